import { DELETION_REASON_ANNOTATION } from '../../names';
import { Guardrail } from '../rule';

export const deletionProtection: Guardrail = {
  id: 'DEL001',
  title: 'Clusters and object stores are only deleted on purpose, with a reason',
  explanation: 'Deleting a Cluster deletes its volumes; deleting an ObjectStore cuts it off from its archive. At admission, a DELETE is denied unless the live object carries a deletion reason of at least 10 characters, set by a person right before deleting. Committing that annotation to Git would switch the protection off for good, so synthesis refuses it.',
  fix: `remove ${DELETION_REASON_ANNOTATION} from the object in Git; to delete, run kubectl annotate <kind> <name> ${DELETION_REASON_ANNOTATION}="<why>" and then kubectl delete`,
  configField: 'cluster',
  kinds: ['Cluster', 'ObjectStore'],
  check(object) {
    const reason = object.manifest.metadata?.annotations?.[DELETION_REASON_ANNOTATION];
    return reason === undefined ? [] : [{ message: `${object.kind} ${object.name} carries ${DELETION_REASON_ANNOTATION} in Git, which disables its deletion protection`, value: reason }];
  },
  admission: () => ({
    resources: [
      { apiGroup: 'postgresql.cnpg.io', resource: 'clusters', operations: ['DELETE'] },
      { apiGroup: 'barmancloud.cnpg.io', resource: 'objectstores', operations: ['DELETE'] },
    ],
    validations: [{
      expression: `has(oldObject.metadata.annotations) && '${DELETION_REASON_ANNOTATION}' in oldObject.metadata.annotations && size(oldObject.metadata.annotations['${DELETION_REASON_ANNOTATION}']) >= 10`,
      message: `DEL001: annotate the object with ${DELETION_REASON_ANNOTATION} (a reason of at least 10 characters) before deleting it (docs/guardrails/DEL001.md)`,
    }],
  }),
};
