import { Chart, Testing } from 'cdk8s';
import { Guardrails } from '../../src/guardrails/guardrails';

/**
 * A chart for tests of what a construct renders, validated against develop's pack: their small
 * clusters would fail production's (1 instance, no zones, no resources), which the guardrail
 * tests and test/library cover.
 */
export function constructChart(): Chart {
  const chart = Testing.chart();
  Guardrails.apply(chart, { environment: 'develop' });
  return chart;
}
