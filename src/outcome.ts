import { NotChecked } from './config/renderable';
import { ConfigError } from './config/validate';
import { GuardrailReport } from './guardrails/engine';
import { Recovery, TreeState } from './flux/output-transaction';
import { LockOwner } from './flux/synthesis-lock';
import { DirectoryContent, TreeChanges, TreeFile } from './flux/tree-writer';

/* What a synthesis produces: shared by the pipeline (src/synthesize.ts) and its reporting (src/report.ts). */

/** The rendered objects of one chart: its Flux directory, and its name in cdk8s's dist/. */
export type ChartContent = DirectoryContent & { readonly chart: string };

/** Why nothing was written, or what would be written. */
export type RenderOutcome =
  | {
    readonly status: 'invalid-config';
    readonly configErrors: readonly ConfigError[];
    /** The guardrails of what still renders without the fields that have errors (src/config/renderable.ts). */
    readonly report: GuardrailReport;
    /** The environments that did not render, so their guardrails did not run. */
    readonly notChecked: readonly NotChecked[];
  }
  | { readonly status: 'guardrails-failed'; readonly report: GuardrailReport }
  | { readonly status: 'rendered'; readonly report: GuardrailReport; readonly files: readonly TreeFile[]; readonly runbooks: readonly TreeFile[]; readonly charts: readonly ChartContent[] };

/** What every synthesis reports besides its result. */
export interface SynthesisStart {
  /** The directories it writes, as messages name them (`flux`, `docs/runbooks`, `dist`). */
  readonly trees: readonly string[];
  /** What it did first about a synthesis that was interrupted. */
  readonly recovery?: Recovery;
  /** The synthesis that was killed holding the lock, which this one took over. */
  readonly staleLock?: LockOwner;
}

export type SynthesisOutcome = SynthesisStart & (
  | Exclude<RenderOutcome, { status: 'rendered' }>
  | { readonly status: 'written'; readonly report: GuardrailReport; readonly files: readonly TreeFile[]; readonly changes: TreeChanges; readonly runbookChanges?: TreeChanges; readonly distChanges?: TreeChanges }
  | { readonly status: 'not-written'; readonly reason: string; readonly treeState: TreeState }
);
