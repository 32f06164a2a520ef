import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initNodeTf } from '../src/cli/tf-node';
import {
  loadSegModel,
  SegModelFormatError,
  type SegManifest,
  type SegModelFiles,
} from '../src/core/segment/model';
import { nodeModelSource } from '../src/models/node-source';

/** The shipped model's files, with its manifest changed by `edit`. */
function editedModel(edit: (m: SegManifest) => void): SegModelFiles {
  const source = nodeModelSource();
  return {
    readBytes: (path, onProgress) => source.readBytes(path, onProgress),
    async readJson<T>(path: string): Promise<T> {
      const json = await source.readJson<SegManifest>(path);
      if (path.endsWith('model.json')) edit(json);
      return json as T;
    },
  };
}

describe('loadSegModel with a malformed model leaves no tensors behind', () => {
  const cases: [string, (m: SegManifest) => void][] = [
    // Fails while folding BatchNorm into the convs (every weight tensor made by then).
    [
      'a BatchNorm tensor missing',
      (m) => {
        m.tensors = m.tensors.filter((t) => t.name !== 'dec.2.bn1.running_var');
      },
    ],
    // Fails while folding the upsampling, after dec.0's phase kernels were made.
    [
      'a decoder conv missing',
      (m) => {
        m.tensors = m.tensors.filter((t) => t.name !== 'dec.1.conv1.weight');
      },
    ],
  ];
  for (const [what, edit] of cases)
    it(what, async () => {
      await initNodeTf();
      const before = tf.memory().numTensors;
      await expect(loadSegModel(editedModel(edit))).rejects.toBeInstanceOf(SegModelFormatError);
      expect(tf.memory().numTensors).toBe(before);
    });

  it('the intact model loads and disposes everything', async () => {
    await initNodeTf();
    const before = tf.memory().numTensors;
    const model = await loadSegModel(editedModel(() => undefined));
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
