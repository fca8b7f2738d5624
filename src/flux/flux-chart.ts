import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentDatabase } from '../config/databases';

export interface FluxChartProps extends ChartProps {
  /** The environment this chart renders, or the database of it. */
  readonly environment: EnvironmentDatabase;
  /** Directory below `flux/` that holds this chart's files, e.g. `infrastructure/data/cnpg-clusters/production`. */
  readonly directory: string;
  /**
   * Also render a `kustomization.yaml` listing the directory's files.
   * @default true
   */
  readonly kustomization?: boolean;
  /**
   * Hand-written files of the directory to list in its kustomization.yaml too.
   * @default - none
   */
  readonly additionalResources?: readonly string[];
  /**
   * Render the directory's own `kustomization.yaml` even when nothing is placed directly in it,
   * for a Flux stage that applies the directory whatever it holds.
   * @default false
   */
  readonly emptyKustomization?: boolean;
  /**
   * Folders of the directory rendered with an empty `kustomization.yaml`, for a Flux stage that
   * applies nothing and is Ready once its dependencies are.
   * @default - none
   */
  readonly emptyFolders?: readonly string[];
}

/**
 * A chart that owns one directory of the committed Flux tree. Every object is rendered into a
 * file of that directory (see `placeInFile`), with an explicit name and namespace.
 */
export class FluxChart extends Chart {
  public readonly environment: EnvironmentDatabase;
  public readonly directory: string;
  public readonly kustomization: boolean;
  public readonly additionalResources: readonly string[];
  public readonly emptyKustomization: boolean;
  public readonly emptyFolders: readonly string[];

  constructor(scope: Construct, id: string, props: FluxChartProps) {
    super(scope, id, { disableResourceNameHashes: true, ...props });
    this.environment = props.environment;
    this.directory = props.directory;
    this.kustomization = props.kustomization ?? true;
    this.additionalResources = props.additionalResources ?? [];
    this.emptyKustomization = props.emptyKustomization ?? false;
    this.emptyFolders = props.emptyFolders ?? [];
  }
}
