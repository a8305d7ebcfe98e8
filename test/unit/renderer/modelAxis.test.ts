// A grid's `model` axis takes the model kinds the engine's registry serves (model.choices), not a list
// of its own: a kind the engine adds is accepted at once, an unknown one is refused naming the kinds.
import { describe, expect, it } from 'vitest'
import { parseAxis } from '../../../src/renderer/src/lib/experimentForm'

describe('the model axis', () => {
  const none = { kind: 'none' as const }
  it('accepts the kinds it is given and refuses others, naming them', () => {
    expect(parseAxis({ key: 'model', values: 'ast, foo' }, none, ['ast', 'crnn', 'foo']).values).toEqual(['ast', 'foo'])
    expect(() => parseAxis({ key: 'model', values: 'ast, resnet' }, none, ['ast', 'crnn'])).toThrow('Axis "model": "resnet" is not one of ast, crnn')
  })
  it('leaves the check to the engine while the choices have not loaded', () => {
    expect(parseAxis({ key: 'model', values: 'ast, anything' }, none, []).values).toEqual(['ast', 'anything'])
  })
})
