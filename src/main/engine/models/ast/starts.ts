// AST's file starts (models/kind.ts, StartImporter): ImageNet DeiT weights and Hugging Face AST
// folders (AudioSet), read by the importers in ./import. train/model.ts calls them through the registry.
import path from 'node:path'
import type { FileStart, StartImporter } from '../kind'
import { readSafetensors } from '../safetensors'
import { AST_SIZES, type AstConfig } from './config'
import { astFromDeit, readDeitTrunk } from './import/deit'
import { loadHfAst, readHfAstConfig } from './import/hfAst'
import { hfTrunkToReference } from './import/names'

/** A DeiT file: the trunk of an AST the run's config describes (the file brings no feature settings). */
const imagenet: StartImporter<AstConfig> = {
  config: () => null,
  check: (file, size) => {
    const trunk = readDeitTrunk(file)
    const want = AST_SIZES[size].embedDim
    if (trunk.embedDim !== want) throw new Error(`${file}: DeiT width ${trunk.embedDim} does not match AST-${size}'s ${want}; pick the size of the checkpoint`)
  },
  build: (file, o, scratch) => astFromDeit(file, scratch(), o.seed)
}

/** A Hugging Face AST folder (config.json, model.safetensors): its config, regridded and with a new head. */
const audioset: StartImporter<AstConfig> = {
  config: (folder) => readHfAstConfig(folder),
  check: (folder) => {
    const base = readHfAstConfig(folder)
    const file = path.join(folder, 'model.safetensors')
    const trunk = hfTrunkToReference(readSafetensors(file), 'audio_spectrogram_transformer.', file, 'Hugging Face AST')
    if (trunk.depth !== base.depth) throw new Error(`${file}: holds ${trunk.depth} layers, config.json says ${base.depth}`)
  },
  build: (folder, o) => loadHfAst(folder, o).model
}

export const astStarts: Record<FileStart['kind'], StartImporter<AstConfig>> = { imagenet, audioset }
