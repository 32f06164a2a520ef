import { CliError } from '../errors';
import { nodeModelSource } from '../../models/node-source';

// Placeholder until the classification model ships (issue 5 replaces this file).
export async function run(_argv: string[]): Promise<void> {
  const m = await nodeModelSource().manifest();
  if (!m?.files.some((f) => f.path.startsWith('cls/')))
    throw new CliError(
      'no trained classification model is present in public/models/cls (see the classification issue)',
    );
  throw new CliError('eval-cls is not implemented yet');
}
