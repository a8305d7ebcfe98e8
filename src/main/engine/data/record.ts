// The data area's entry point for the rest of the app (API handlers, CLI, trainer): dataset records,
// their import, subsets, splits by fold and frame targets.
export { saveDataset, loadDataset, listDatasets, deleteDataset, summaryOf, describeDataset } from './store'
export { importDataset, datasetRoot } from './import'
export { createSubset, buildSubset, rebuildSubset } from './subset'
export { applyTestFold } from './split'
export { frameTargets, clipFrameCount } from './frames'
