/**
 * A small builder of ONNX graphs: initializers from Float32Arrays, nodes with typed attributes,
 * and the model envelope (IR version, opset, metadata_props), encoded with protobufjs.
 */
import { AttributeType, DataType, modelProto } from './onnx-schema.ts';

/** An attribute value: numbers that are integers become INT(S) only when declared with `ints`/`int`. */
export type Attribute =
  | { int: number } | { ints: number[] } | { float: number } | { floats: number[] } | { string: string };

interface NodeSpec { op: string; inputs: string[]; outputs: string[]; name: string; attrs?: Record<string, Attribute> }

/** One dimension of a graph input or output: a size, or a symbolic name (dynamic). */
export type Dim = number | string;

/** ONNX opset (default domain) the exporter targets; IR version 7 is the one of opset 12. */
export const OPSET = 12;
const IR_VERSION = 7;

/** Accumulates nodes and initializers; `encode` writes the model bytes. */
export class GraphBuilder {
  private readonly nodes: NodeSpec[] = [];
  private readonly initializers: object[] = [];
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];
  private counter = 0;

  /** A name no other value of this graph has. */
  fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  /** A float32 constant; returns its name. */
  floats(name: string, data: Float32Array, dims: number[]): string {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push({ name, dims, data_type: DataType.FLOAT, raw_data: bytes });
    return name;
  }

  /** An int64 constant (shapes, slice bounds); returns its name. */
  int64s(name: string, values: number[]): string {
    this.initializers.push({ name, dims: [values.length], data_type: DataType.INT64, int64_data: values });
    return name;
  }

  /** Adds a node and returns its first output's name (a fresh one unless `output` is given). */
  node(op: string, inputs: string[], attrs?: Record<string, Attribute>, output?: string): string {
    const out = output ?? this.fresh(op.toLowerCase());
    this.nodes.push({ op, inputs, outputs: [out], name: this.fresh(`${op}_node`), attrs });
    return out;
  }

  input(name: string, dims: Dim[]): void {
    this.inputs.push(valueInfo(name, dims));
  }

  output(name: string, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, dims));
  }

  /** The ModelProto bytes. */
  encode(opts: { graphName: string; producer: string; version: string; metadata: Record<string, string> }): Uint8Array {
    const type = modelProto();
    const model = {
      ir_version: IR_VERSION,
      producer_name: opts.producer,
      producer_version: opts.version,
      opset_import: [{ domain: '', version: OPSET }],
      metadata_props: Object.entries(opts.metadata).map(([key, value]) => ({ key, value })),
      graph: {
        name: opts.graphName,
        node: this.nodes.map((n) => ({
          name: n.name, op_type: n.op, input: n.inputs, output: n.outputs,
          attribute: Object.entries(n.attrs ?? {}).map(([name, a]) => attribute(name, a)),
        })),
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    const problem = type.verify(model);
    if (problem) throw new Error(`onnx export: the model does not fit onnx.proto (${problem}); this is a bug in the exporter`);
    return type.encode(type.fromObject(model)).finish();
  }
}

function attribute(name: string, a: Attribute): object {
  if ('int' in a) return { name, type: AttributeType.INT, i: a.int };
  if ('ints' in a) return { name, type: AttributeType.INTS, ints: a.ints };
  if ('float' in a) return { name, type: AttributeType.FLOAT, f: a.float };
  if ('floats' in a) return { name, type: AttributeType.FLOATS, floats: a.floats };
  return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.string) };
}

function valueInfo(name: string, dims: Dim[]): object {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

/** Reads metadata_props of ONNX model bytes (any writer's). */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const decoded = modelProto().decode(bytes) as unknown as { metadata_props?: { key: string; value: string }[] };
  return Object.fromEntries((decoded.metadata_props ?? []).map((p) => [p.key, p.value]));
}
