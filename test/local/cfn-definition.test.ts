import { describe, expect, it } from 'vitest';
import {
  type CfnTemplate,
  forEachState,
  resolveStateMachineDefinition,
  stateMachineLogicalIds,
} from '../../local/cfn-definition';

// The shape CDK synthesizes: the definition is a Fn::Join over strings and references.
const template: CfnTemplate = {
  Resources: {
    FlushFn1234: { Type: 'AWS::Lambda::Function' },
    ReportTopic99: { Type: 'AWS::SNS::Topic' },
    Machine: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        DefinitionString: {
          'Fn::Join': [
            '',
            [
              '{"StartAt":"Flush","States":{"Flush":{"Type":"Task","Resource":"',
              { 'Fn::GetAtt': ['FlushFn1234', 'Arn'] },
              '","Next":"Publish"},"Publish":{"Type":"Task","Resource":"arn:',
              { Ref: 'AWS::Partition' },
              ':states:::sns:publish","Parameters":{"TopicArn":"',
              { Ref: 'ReportTopic99' },
              '","Message.$":"$"},"End":true}}}',
            ],
          ],
        },
      },
    },
  },
};

describe('resolveStateMachineDefinition', () => {
  it('resolves references into stand-in ARNs and remembers which resource each is', () => {
    // Act
    const { definition, resourceByValue } = resolveStateMachineDefinition(template, 'Machine');

    // Assess
    const flush = definition.States.Flush as unknown as { Resource: string };
    expect(flush.Resource).toBe('arn:aws:lambda:local-1:000000000000:function:FlushFn1234');
    expect(resourceByValue.get(flush.Resource)).toBe('FlushFn1234');
    const publish = definition.States.Publish as unknown as {
      Resource: string;
      Parameters: { TopicArn: string };
    };
    expect(publish.Resource).toBe('arn:aws:states:::sns:publish');
    expect(resourceByValue.get(publish.Parameters.TopicArn)).toBe('ReportTopic99');
  });

  it('names what it cannot resolve', () => {
    const broken: CfnTemplate = {
      Resources: {
        Machine: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: { DefinitionString: { Ref: 'Missing' } },
        },
      },
    };
    expect(() => resolveStateMachineDefinition(broken, 'Machine')).toThrow(/refers to Missing/);
    expect(() => resolveStateMachineDefinition(template, 'FlushFn1234')).toThrow(/not a state machine/);
  });

  it('finds the state machines of a template', () => {
    expect(stateMachineLogicalIds(template)).toEqual(['Machine']);
  });
});

describe('forEachState', () => {
  it('visits states inside Map item processors and Parallel branches', () => {
    // Prepare
    const seen: string[] = [];
    const definition = {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemProcessor: { StartAt: 'A', States: { A: { Type: 'Task' } } },
          Next: 'P',
        },
        P: { Type: 'Parallel', Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass' } } }], End: true },
      },
    };

    // Act
    forEachState(definition, (name, _state, path) => seen.push([...path, name].join('/')));

    // Assess
    expect(seen).toEqual(['M', 'M/A', 'P', 'P/B']);
  });
});
