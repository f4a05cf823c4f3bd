/** The records the Linear emulator keeps in memory: one per entity, holding ids rather than nested objects. */

/**
 * https://linear.app/developers/graphql — WorkflowState.type: the seven kinds Linear knows, `duplicate` included
 * (it is not creatable but does occur). The service keeps the same list; a test holds the two equal.
 */
export const WORKFLOW_STATE_TYPES = [
  'triage',
  'backlog',
  'unstarted',
  'started',
  'completed',
  'canceled',
  'duplicate',
] as const;
export type WorkflowStateType = (typeof WORKFLOW_STATE_TYPES)[number];

export interface OrganizationRecord {
  id: string;
  name: string;
  urlKey: string;
  createdAt: string;
}

export interface UserRecord {
  id: string;
  name: string;
  displayName: string;
  email: string;
  createdAt: string;
}

export interface TeamRecord {
  id: string;
  key: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  /** Where an issue created without a stateId lands (Linear's team "default issue state"). */
  defaultStateId: string;
  triageStateId: string | null;
  /** Where an issue marked a duplicate of another moves (Team.markedAsDuplicateWorkflowState). */
  duplicateStateId: string | null;
}

export interface WorkflowStateRecord {
  id: string;
  teamId: string;
  name: string;
  type: WorkflowStateType;
  color: string;
  position: number;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface IssueRecord {
  id: string;
  teamId: string;
  number: number;
  title: string;
  description: string | null;
  priority: number;
  stateId: string;
  labelIds: string[];
  assigneeId: string | null;
  creatorId: string;
  dueDate: string | null;
  estimate: number | null;
  sortOrder: number;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
  trashed: boolean;
  startedAt: string | null;
  completedAt: string | null;
  canceledAt: string | null;
  startedTriageAt: string | null;
  triagedAt: string | null;
}

export interface LabelRecord {
  id: string;
  name: string;
  color: string;
  description: string | null;
  teamId: string | null;
  creatorId: string;
  createdAt: string;
  updatedAt: string;
}

export interface AttachmentRecord {
  id: string;
  issueId: string;
  url: string;
  title: string;
  subtitle: string | null;
  metadata: Record<string, unknown>;
  iconUrl: string | null;
  creatorId: string;
  createdAt: string;
  updatedAt: string;
}

export interface CommentRecord {
  id: string;
  issueId: string;
  body: string;
  userId: string;
  createdAt: string;
  updatedAt: string;
}

export type IssueRelationType = 'blocks' | 'duplicate' | 'related' | 'similar';

export interface RelationRecord {
  id: string;
  type: IssueRelationType;
  issueId: string;
  relatedIssueId: string;
  createdAt: string;
  updatedAt: string;
}

export interface CustomerTierRecord {
  id: string;
  name: string;
  displayName: string;
  color: string;
  position: number;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CustomerRecord {
  id: string;
  name: string;
  slugId: string;
  domains: string[];
  externalIds: string[];
  revenue: number | null;
  size: number | null;
  tierId: string | null;
  logoUrl: string | null;
  slackChannelId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CustomerNeedRecord {
  id: string;
  customerId: string | null;
  issueId: string;
  body: string | null;
  priority: number;
  attachmentId: string | null;
  creatorId: string;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookRecord {
  id: string;
  url: string;
  label: string | null;
  teamId: string | null;
  allPublicTeams: boolean;
  resourceTypes: string[];
  secret: string;
  enabled: boolean;
  creatorId: string;
  createdAt: string;
  updatedAt: string;
}

/** The webhook resource types the emulator sends (a subset of Linear's). */
export type EventType = 'Issue' | 'Comment' | 'Attachment' | 'Customer' | 'CustomerNeed' | 'IssueLabel';

/** A data change, emitted synchronously by a command right after it is applied. */
export interface ChangeEvent {
  type: EventType;
  action: 'create' | 'update' | 'remove';
  entityId: string;
  /** Previous values of the changed properties (updates only). */
  updatedFrom?: Record<string, unknown> | undefined;
}
