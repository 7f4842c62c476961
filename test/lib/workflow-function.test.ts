import { App } from 'aws-cdk-lib';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { describe, expect, it } from 'vitest';
import { BUNDLING_LOG_LEVEL_CONTEXT_KEY, bundlingLogLevel } from '../../lib/workflow-function';

describe('bundlingLogLevel', () => {
  it('keeps esbuild to warnings and errors by default, so cdk synth -q prints no size blocks', () => {
    expect(bundlingLogLevel(new App())).toBe(nodejs.LogLevel.WARNING);
  });

  it('shows esbuild output when -c bundlingLogLevel=info asks for it', () => {
    const app = new App({ context: { [BUNDLING_LOG_LEVEL_CONTEXT_KEY]: 'info' } });
    expect(bundlingLogLevel(app)).toBe(nodejs.LogLevel.INFO);
  });

  it('refuses an unknown level, naming it and the ones it takes', () => {
    const app = new App({ context: { [BUNDLING_LOG_LEVEL_CONTEXT_KEY]: 'loud' } });
    expect(() => bundlingLogLevel(app)).toThrow(
      'context bundlingLogLevel must be one of verbose, debug, info, warning, error, silent, got "loud"',
    );
  });
});
