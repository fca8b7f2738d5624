import { passRule } from './sql-finding';

export const partitionScan = passRule({
  id: 'LCK011',
  title: 'Partitions are attached without a scan under an exclusive lock',
  explanation: 'ATTACH PARTITION reads every row of the new partition under an ACCESS EXCLUSIVE lock unless a validated CHECK constraint already proves the partition bound; CREATE TABLE ... PARTITION OF next to a DEFAULT partition reads the default partition, and both lock the parent.',
  fix: 'before attaching, add to the table a CHECK constraint matching the bound NOT VALID and VALIDATE it (in an earlier migration), then ATTACH PARTITION and drop the check; create partitions before rows for them reach the default partition',
  kinds: ['partition-scan'],
  scan: true,
  message: (effect) => `${effect.pass.cause} under an ${effect.lock} lock: if the partition has no validated CHECK matching its bound (or the parent has a default partition), add one NOT VALID and VALIDATE it in an earlier migration`,
});
