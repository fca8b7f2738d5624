/** A Kubernetes quantity for a volume: a number with an optional binary or decimal suffix, e.g. `20Gi`. */
export const STORAGE_SIZE_PATTERN = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

const FACTOR: Readonly<Record<string, number>> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/**
 * The bytes a volume size stands for (`20Gi` is 20 × 2³⁰), or `undefined` when it is not a
 * quantity, so sizes written with different suffixes compare by what they mean.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */
export function storageBytes(size: string): number | undefined {
  const match = STORAGE_SIZE_PATTERN.exec(size);
  return match ? Number(match[1]) * FACTOR[match[2] ?? ''] : undefined;
}
