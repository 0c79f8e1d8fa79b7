/**
 * The predict route's work: collect the request's images (raw body, multipart parts, or JSON
 * base64), pick a version (held until the answer is built), then decode, batch, NMS per image.
 */
import type { FastifyRequest } from 'fastify';
import type { ModelVersion } from '../model-version.ts';
import { toDetections, type ApiDetection } from '../pipeline/postprocess.ts';
import { prepareImage } from '../pipeline/preprocess.ts';
import type { ServedModel } from '../served-model.ts';
import { BadRequestError, jsonPredictSchema, optionsSchema, parseRequest, type PredictOptions } from './schemas.ts';

/** One image's answer. */
export interface ImageResult {
  width: number;
  height: number;
  detections: ApiDetection[];
  timings: { decode_ms: number; queue_ms: number; inference_ms: number; nms_ms: number; batch_size: number };
}

/** The predict response body. */
export interface PredictResponse {
  model: string;
  version: string;
  runtime: string;
  input_size: number;
  images: ImageResult[];
  timings: { total_ms: number };
}

/** Raw image content types the route accepts as a body. */
export const IMAGE_TYPES = ['image/jpeg', 'image/png'];

/** The images and options of a request; throws 400 for a body without images. */
export async function readPredictInput(req: FastifyRequest, maxImages: number): Promise<{ images: Buffer[]; options: PredictOptions }> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const query = req.query as Record<string, unknown>;
  let images: Buffer[];
  let options: PredictOptions;
  if (type === 'multipart/form-data') {
    images = [];
    const fields: Record<string, unknown> = {};
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (images.length >= maxImages) throw tooMany(maxImages);
        images.push(await part.toBuffer());
      } else {
        fields[part.fieldname] = part.value;
      }
    }
    options = parseRequest(optionsSchema, { ...query, ...fields }, 'predict options');
  } else if (type === 'application/json') {
    const body = parseRequest(jsonPredictSchema, { ...query, ...(req.body as object) }, 'predict JSON body');
    const { images: encoded, ...rest } = body;
    if (encoded.length > maxImages) throw tooMany(maxImages);
    images = encoded.map((e) => Buffer.from(typeof e === 'string' ? e : e.data, 'base64'));
    options = rest;
  } else {
    images = Buffer.isBuffer(req.body) ? [req.body] : [];
    options = parseRequest(optionsSchema, query, 'predict options');
  }
  if (images.length === 0 || images.some((b) => b.length === 0)) {
    throw new BadRequestError('the request has no image (or an empty one): send an image/jpeg or image/png body, multipart/form-data files, or JSON {"images": [base64...]}');
  }
  return { images, options };
}

function tooMany(max: number): BadRequestError {
  return new BadRequestError(`too many images in one request (at most ${max}): split them over several requests`);
}

/** Runs every image of one request on the version it was routed to. */
export async function predict(model: ServedModel, images: Buffer[], options: PredictOptions): Promise<PredictResponse> {
  const start = performance.now();
  const version: ModelVersion = model.acquire();
  try {
    const size = options.size ?? version.defaultSize;
    const engine = await version.engine(size);
    engine.batcher.expect(images.length);
    // allSettled: every image is done with the version before it is released, even when one fails.
    const settled = await Promise.allSettled(images.map(async (bytes, i): Promise<ImageResult> => {
      const t0 = performance.now();
      let prepared;
      try {
        prepared = await prepareImage(bytes, size, i);
      } catch (error) {
        engine.batcher.cancel();
        throw error;
      }
      const t1 = performance.now();
      const out = await engine.batcher.submit(prepared.pixels);
      const t2 = performance.now();
      const detections = toDetections(out.rows, version.info.nc, prepared, version.info.names, options);
      return {
        width: prepared.width, height: prepared.height, detections,
        timings: { decode_ms: t1 - t0, queue_ms: out.waitMs, inference_ms: out.inferenceMs, nms_ms: performance.now() - t2, batch_size: out.batchSize },
      };
    }));
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const results = settled.map((r) => (r as PromiseFulfilledResult<ImageResult>).value);
    return { model: model.name, version: version.id, runtime: engine.runtime.kind, input_size: size, images: results, timings: { total_ms: performance.now() - start } };
  } finally {
    version.release();
  }
}
