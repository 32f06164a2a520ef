import { CliError } from '../errors';
import { nodeModelSource } from '../../models/node-source';

// Placeholder until the segmentation model ships (issue 5 replaces this file).
export async function run(_argv: string[]): Promise<void> {
  const m = await nodeModelSource().manifest();
  if (!m?.files.some((f) => f.path.startsWith('seg/')))
    throw new CliError(
      'no trained segmentation model is present in public/models/seg (see the segmentation issue)',
    );
  throw new CliError('analyze is not implemented yet');
}
