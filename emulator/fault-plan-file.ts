import { readFile } from 'node:fs/promises';
import { FaultPlanError } from './errors';
import { type FaultPlan, parseFaultPlan } from './fault-plan';

/**
 * Reads and validates a fault plan JSON file (the CLI's `--faults`).
 *
 * @throws FaultPlanError whose message names the file and, for schema problems, the bad field.
 */
export async function loadFaultPlanFile(path: string): Promise<FaultPlan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FaultPlanError(`cannot read fault plan ${path}: ${reason}`, [reason], { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FaultPlanError(`fault plan ${path} is not valid JSON: ${reason}`, [reason], { cause: error });
  }
  return parseFaultPlan(json, `fault plan ${path}`);
}
