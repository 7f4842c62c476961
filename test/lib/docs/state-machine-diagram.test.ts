import { describe, expect, it } from 'vitest';
import { condition, stateMachineDiagram } from '../../../lib/docs/state-machine-diagram';
import { synthesizeRun } from '../../../lib/state-machine/synthesized-definition';
import { exampleConfig } from '../fixtures';

describe('stateMachineDiagram', () => {
  const diagram = stateMachineDiagram(synthesizeRun(exampleConfig()).definition, { Flush: 'Milvus' });

  it('draws every state of the run and of the Map, the Map as a subgraph', () => {
    expect(diagram.startsWith('flowchart TD\n')).toBe(true);
    expect(diagram).toContain(
      'subgraph Collections_items ["Collections: one child execution per collection"]',
    );
    for (const node of [
      'PrepareRun["PrepareRun"]',
      'RestoreDone_{"RestoreDone?"}',
      'RunFailed(("RunFailed"))',
    ]) {
      expect(diagram).toContain(node);
    }
    expect(diagram).toContain(
      'WaitBeforeNextPoll(["WaitBeforeNextPoll<br/><small>wait $.poll.waitSeconds</small>"])',
    );
    expect(diagram).toContain('Flush["Flush<br/><small>Milvus</small>"]');
  });

  it('labels choices with their conditions, the default and the catches', () => {
    expect(diagram).toContain('RestoreDone_ -->|"poll.decision = \'timedOut\'"| CleanupDrill');
    expect(diagram).toContain('RestoreDone_ -->|otherwise| CleanupDrill');
    expect(diagram).toContain('PollRestore -.->|"catch → $.drillError"| CleanupDrill');
    expect(diagram).toContain('Collections -.->|each item| RouteCollection');
  });

  it('writes compound conditions readably', () => {
    expect(
      condition({
        And: [
          { Variable: '$.run.mode', StringEquals: 'full' },
          { Not: { Variable: '$.run.dryRun', BooleanEquals: true } },
        ],
      }),
    ).toBe("run.mode = 'full' and not run.dryRun = true");
    expect(condition({ Variable: '$.poll.waitSeconds', NumericGreaterThan: 60 })).toBe(
      'poll.waitSeconds NumericGreaterThan 60',
    );
  });

  it('leaves out a presence guard of a path the same rule compares, and writes one that stands alone', () => {
    expect(
      condition({
        And: [
          { Variable: '$.target.selection.by', IsPresent: true },
          { Variable: '$.target.selection.by', StringEquals: 'set-aside' },
        ],
      }),
    ).toBe("target.selection.by = 'set-aside'");
    expect(condition({ Variable: '$.switchover', IsPresent: false })).toBe('switchover absent');
  });
});
