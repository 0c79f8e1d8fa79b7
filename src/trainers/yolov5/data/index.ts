/** The YOLOv5 trainer's data part: dataset yaml, labels, decoding, letterbox, augmentation, batches, synthetic data. */
export { loadDatasetConfig, type DatasetConfig } from './config.ts';
export { openImageSet, type ImageSet } from './image-set.ts';
export { createBatches, type BatchOptions } from './loader.ts';
export { synthesizeDataset, type SynthOptions } from './synth.ts';
export { DatasetError } from './errors.ts';
export { SHAPES } from './scene.ts';
export { letterbox, type LetterboxPlacement } from './letterbox.ts';
export { decodeImage, type RgbImage } from './image.ts';
