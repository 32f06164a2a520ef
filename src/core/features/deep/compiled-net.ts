import * as tf from '@tensorflow/tfjs';

/**
 * Runs a shipped CNN (a tfjs LayersModel) as a flat list of fused tfjs ops instead of through
 * `model.predict` (issue 13): on a field's small crops the Layers machinery adds per-layer overhead,
 * and every ReLU6 / LeakyReLU and zero padding ran as its own kernel (3 CNNs on one crop: 36.6 →
 * 31.6 ms, interleaved A/B in docs/PERFORMANCE.md). Here a convolution absorbs the
 * activation that follows it and the symmetric padding before it; the weights are the model's own
 * tensors. Same outputs (tests/compiled-net.test.ts). Only the layer types of the shipped nets are
 * known; any other layer makes `compileNet` return null and the caller keeps `model.predict`.
 */
export interface CompiledNet {
  /** NHWC float input → the model's output; intermediate tensors are disposed. */
  run(x: tf.Tensor4D): tf.Tensor;
}

type Act = 'linear' | 'relu' | 'relu6' | 'leakyrelu';

interface Step {
  name: string;
  inputs: string[];
  run(xs: tf.Tensor[]): tf.Tensor;
}

interface LayerInfo {
  layer: tf.layers.Layer;
  cls: string;
  config: Record<string, unknown>;
  inputs: string[];
}

function inboundNames(layer: tf.layers.Layer): string[] {
  const nodes = layer.inboundNodes;
  if (nodes.length !== 1) return nodes.length === 0 ? [] : ['<shared layer>'];
  return nodes[0].inboundLayers.map((l) => l.name);
}

function pair(v: unknown): [number, number] | null {
  return Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number')
    ? [v[0] as number, v[1] as number]
    : null;
}

/** A standalone activation layer as a fusable activation, or null. */
function activationOf(info: LayerInfo): { act: Act; alpha?: number } | null {
  if (info.cls === 'ReLU') {
    const max = info.config.maxValue;
    const slope = info.config.negativeSlope ?? 0;
    const threshold = info.config.threshold ?? 0;
    if (slope !== 0 || threshold !== 0) return null;
    if (max === 6) return { act: 'relu6' };
    if (max === null || max === undefined) return { act: 'relu' };
    return null;
  }
  if (info.cls === 'LeakyReLU' && typeof info.config.alpha === 'number')
    return { act: 'leakyrelu', alpha: info.config.alpha };
  return null;
}

/** ZeroPadding2D's [[top, bottom], [left, right]], or null when malformed. */
function paddingOf(info: LayerInfo): [[number, number], [number, number]] | null {
  const p = info.config.padding;
  if (!Array.isArray(p) || p.length !== 2) return null;
  const h = pair(p[0]);
  const w = pair(p[1]);
  return h && w ? [h, w] : null;
}

/**
 * Compile `model` (single input, single output, channels-last) or return null when it holds a
 * layer or setting this runner does not know.
 */
export function compileNet(model: tf.LayersModel): CompiledNet | null {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return null;
  const infos = new Map<string, LayerInfo>();
  for (const layer of model.layers)
    infos.set(layer.name, {
      layer,
      cls: layer.getClassName(),
      config: layer.getConfig() as Record<string, unknown>,
      inputs: inboundNames(layer),
    });
  const consumers = new Map<string, string[]>();
  for (const info of infos.values())
    for (const i of info.inputs) consumers.set(i, [...(consumers.get(i) ?? []), info.layer.name]);
  const only = (name: string): LayerInfo | null => {
    const c = consumers.get(name) ?? [];
    return c.length === 1 ? (infos.get(c[0]) ?? null) : null;
  };
  const outputName = model.outputs[0].sourceLayer.name;

  const steps: Step[] = [];
  // Layers merged into a neighbour: name → the name whose tensor stands for its output.
  const alias = new Map<string, string>();
  const resolve = (n: string): string => alias.get(n) ?? n;
  // Padding layers folded into the conv after them: conv name → pad.
  const foldedPad = new Map<string, number>();
  let inputName: string | null = null;

  for (const info of infos.values()) {
    const name = info.layer.name;
    const cfg = info.config;
    if (alias.has(name)) continue;
    if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') return null;
    switch (info.cls) {
      case 'InputLayer':
        inputName = name;
        break;
      case 'ZeroPadding2D': {
        const p = paddingOf(info);
        if (p === null) return null;
        const [[top, bottom], [left, right]] = p;
        // Only equal padding on every side maps onto a conv's numeric `pad`.
        const pad = top === bottom && left === right && top === left ? top : null;
        const next = only(name);
        if (
          pad !== null &&
          next &&
          (next.cls === 'Conv2D' || next.cls === 'DepthwiseConv2D') &&
          next.config.padding === 'valid' &&
          name !== outputName
        ) {
          foldedPad.set(next.layer.name, pad);
          alias.set(name, resolve(info.inputs[0]));
          break;
        }
        steps.push({
          name,
          inputs: info.inputs.map(resolve),
          run: ([x]) =>
            tf.pad(x as tf.Tensor4D, [
              [0, 0],
              [top, bottom],
              [left, right],
              [0, 0],
            ]),
        });
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const strides = pair(cfg.strides);
        const dilations = pair(cfg.dilationRate);
        const padding = cfg.padding;
        if (!strides || !dilations || (padding !== 'valid' && padding !== 'same')) return null;
        if (info.cls === 'DepthwiseConv2D' && cfg.depthMultiplier !== 1) return null;
        const own = cfg.activation;
        if (own !== 'linear' && own !== 'relu') return null;
        const weights = info.layer.getWeights();
        const kernel = weights[0] as tf.Tensor4D;
        const bias = cfg.useBias ? (weights[1] as tf.Tensor1D) : undefined;
        // An activation layer that alone consumes a linear conv is fused into it.
        let act: Act = own;
        let alpha: number | undefined;
        const next = only(name);
        const fused = own === 'linear' && next && name !== outputName ? activationOf(next) : null;
        if (fused && next) {
          act = fused.act;
          alpha = fused.alpha;
          alias.set(next.layer.name, name);
        }
        const pad: 'valid' | 'same' | number = foldedPad.get(name) ?? padding;
        // Both fused ops take the same arguments (pad is never explicit here).
        const conv = info.cls === 'DepthwiseConv2D' ? tf.fused.depthwiseConv2d : tf.fused.conv2d;
        steps.push({
          name,
          inputs: info.inputs.map(resolve),
          run: ([x]) =>
            conv({
              x: x as tf.Tensor4D,
              filter: kernel,
              strides,
              pad,
              dilations,
              bias,
              activation: act,
              leakyreluAlpha: alpha,
            }),
        });
        break;
      }
      case 'ReLU':
      case 'LeakyReLU': {
        const a = activationOf(info);
        if (!a) return null;
        steps.push({
          name,
          inputs: info.inputs.map(resolve),
          run: ([x]) =>
            a.act === 'relu6'
              ? tf.relu6(x)
              : a.act === 'relu'
                ? tf.relu(x)
                : tf.leakyRelu(x, a.alpha ?? 0.2),
        });
        break;
      }
      case 'MaxPooling2D': {
        const size = pair(cfg.poolSize);
        const strides = pair(cfg.strides) ?? size;
        const padding = cfg.padding;
        if (!size || !strides || (padding !== 'valid' && padding !== 'same')) return null;
        steps.push({
          name,
          inputs: info.inputs.map(resolve),
          run: ([x]) => tf.maxPool(x as tf.Tensor4D, size, strides, padding),
        });
        break;
      }
      case 'Add':
        steps.push({ name, inputs: info.inputs.map(resolve), run: (xs) => tf.addN(xs) });
        break;
      case 'Concatenate': {
        const axis = cfg.axis;
        if (axis !== -1 && axis !== 3) return null;
        steps.push({ name, inputs: info.inputs.map(resolve), run: (xs) => tf.concat(xs, 3) });
        break;
      }
      case 'GlobalAveragePooling2D':
        if (cfg.keepdims === true) return null;
        steps.push({ name, inputs: info.inputs.map(resolve), run: ([x]) => tf.mean(x, [1, 2]) });
        break;
      default:
        return null;
    }
  }
  if (inputName === null) return null;
  const input = inputName;
  const output = resolve(outputName);
  // Every step's inputs must exist before it runs; a graph this walk got wrong is declined here,
  // at load time, rather than failing on a user's image.
  const known = new Set([input]);
  for (const s of steps) {
    if (!s.inputs.every((n) => known.has(n))) return null;
    known.add(s.name);
  }
  if (!known.has(output)) return null;
  return {
    run(x: tf.Tensor4D): tf.Tensor {
      return tf.tidy(() => {
        const values = new Map<string, tf.Tensor>([[input, x]]);
        for (const s of steps) {
          const xs = s.inputs.map((n) => values.get(n));
          if (xs.some((t) => t === undefined))
            throw new Error(`Compiled network: layer ${s.name} runs before its inputs.`);
          values.set(s.name, s.run(xs as tf.Tensor[]));
        }
        const y = values.get(output);
        if (!y) throw new Error('Compiled network: the output layer was not computed.');
        return y;
      });
    },
  };
}
