import { toolNamed } from '../../activities/tools';
import type { ToolActivityOptions } from '../../workflows/skill-definitions';
import { compiled } from './http-request';
import type { HttpToolView } from './http-tools.service';

/**
 * Custom tools — HTTP ones and those of MCP servers (`<server>__<tool>`) — as the model is offered
 * them beside the built-in ones, and a call to one checked the way the registry checks a built-in
 * call. The result travels to the workflow in the step activity's answer, so the workflow never
 * reads the database.
 */

/** Attempts of a custom tool's activity; only timeouts, connection errors, 5xx, 408 and 429 are retried. */
const ATTEMPTS = 3;

type Checked = { tool: { risk: 'read' | 'write'; activity: ToolActivityOptions }; args: unknown } | { error: string };

export interface CustomToolSet {
  schemas: { type: 'function'; function: { name: string; description: string; parameters: Record<string, unknown> } }[];
  /** Undefined when `name` is not a custom tool (the registry answers then). */
  check(name: string, rawArguments: string): Checked | undefined;
}

/** What the model is offered of a custom tool, whatever its kind. */
export type OfferedCustomTool = Pick<HttpToolView, 'name' | 'description' | 'parameters' | 'risk' | 'timeoutSeconds'>;

export function customToolSet(tools: OfferedCustomTool[]): CustomToolSet {
  // A built-in tool keeps its name: one added later wins over a custom tool of the same name; and the
  // first custom tool of a name wins over a later one (creating either kind refuses the clash).
  const offered = tools.filter((t, i) => !toolNamed(t.name) && tools.findIndex((o) => o.name === t.name) === i);
  return {
    schemas: offered.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } })),
    check(name, rawArguments) {
      const tool = offered.find((t) => t.name === name);
      if (!tool) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawArguments || '{}');
      } catch {
        return { error: 'The arguments are not valid JSON.' };
      }
      const checked = compiled(tool.parameters).safeParse(parsed);
      if (!checked.success) {
        return { error: `Invalid arguments: ${checked.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ')}` };
      }
      return { tool: { risk: tool.risk, activity: { timeoutSeconds: tool.timeoutSeconds, maximumAttempts: ATTEMPTS, custom: true } }, args: checked.data };
    },
  };
}
