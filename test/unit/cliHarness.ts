// Runs CLI commands in-process, as `tagbench <args>` would, and returns what they printed on stdout.
import { Command } from 'commander'
import { vi } from 'vitest'

export async function runCli(registers: ((program: Command) => void)[], args: string[]): Promise<string> {
  const program = new Command().exitOverride()
  for (const register of registers) register(program)
  let out = ''
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk)
    return true
  })
  try {
    await program.parseAsync(['node', 'tagbench', ...args])
  } finally {
    spy.mockRestore()
  }
  return out
}
