import type { LabelRecord, TeamRecord, WorkflowStateRecord } from '../model.ts';
import type { LinearState } from '../state.ts';
import { type ConnectionArgs, connection, filtersFor, type View } from './common.ts';

/**
 * Organization, users, teams, workflow states and labels as Linear's types. Every non-null field the SDK's
 * fragments select has a value (the SDK's model constructors read nested objects unconditionally); settings
 * Linear has and the emulator does not model take Linear's defaults.
 */

export function organizationView(state: LinearState): View {
  const org = state.organization;
  return {
    id: org.id,
    name: org.name,
    urlKey: org.urlKey,
    createdAt: org.createdAt,
    updatedAt: org.createdAt,
    archivedAt: null,
    logoUrl: null,
    userCount: 1,
    createdIssueCount: state.issues.size,
    customerCount: state.customers.size,
    customersEnabled: true,
    customersConfiguration: {},
    allowMembersToInvite: true,
    allowedAuthServices: [],
    allowedFileUploadContentTypes: null,
    authSettings: {},
    securitySettings: {},
    aiDiscussionSummariesEnabled: false,
    aiThreadSummariesEnabled: false,
    defaultFeedSummarySchedule: null,
    defaultHomeView: null,
    defaultHomeViewTargetId: null,
    deletionRequestedAt: null,
    feedEnabled: false,
    fiscalYearStartMonth: 0,
    gitBranchFormat: null,
    gitLinkbackDescriptionsEnabled: true,
    gitLinkbackMessagesEnabled: true,
    gitPublicLinkbackMessagesEnabled: false,
    hideNonPrimaryOrganizations: false,
    hipaaComplianceEnabled: false,
    initiativeUpdateReminderFrequencyInWeeks: null,
    initiativeUpdateRemindersDay: 'Friday',
    initiativeUpdateRemindersHour: 14,
    periodUploadVolume: 0,
    previousUrlKeys: [],
    projectStatuses: [],
    projectUpdateReminderFrequencyInWeeks: null,
    projectUpdateRemindersDay: 'Friday',
    projectUpdateRemindersHour: 14,
    projectUpdatesReminderFrequency: 'never',
    pullRequestIssueMode: 'default',
    pullRequestTourEnabled: false,
    releaseChannel: 'public',
    releasesEnabled: false,
    restrictLabelManagementToAdmins: false,
    restrictTeamCreationToAdmins: false,
    roadmapEnabled: false,
    samlEnabled: false,
    scimEnabled: false,
    slaDayCount: 'all',
    slackProjectChannelIntegration: null,
    slackProjectChannelPrefix: 'proj',
    subscription: null,
    suggestedBranchNameEnabled: true,
    trialEndsAt: null,
    trialStartsAt: null,
  };
}

/** The only user: the one the API key belongs to. Lookups of any other id answer "Entity not found: User". */
export function userView(state: LinearState): View {
  const user = state.viewer;
  return {
    id: user.id,
    name: user.name,
    displayName: user.displayName,
    email: user.email,
    createdAt: user.createdAt,
    updatedAt: user.createdAt,
    archivedAt: null,
    active: true,
    admin: true,
    owner: true,
    app: false,
    guest: false,
    isMe: true,
    isAssignable: true,
    isMentionable: true,
    canAccessAnyPublicTeam: true,
    supportsAgentSessions: false,
    avatarBackgroundColor: '#5e6ad2',
    avatarUrl: null,
    initials: 'SA',
    inviteHash: 'sandbox',
    calendarHash: null,
    createdIssueCount: [...state.issues.values()].filter((i) => i.creatorId === user.id).length,
    description: null,
    disableReason: null,
    gitHubUserId: null,
    lastSeen: null,
    statusEmoji: null,
    statusLabel: null,
    statusUntilAt: null,
    timezone: 'UTC',
    title: null,
    url: `${state.baseUrl}/`,
  };
}

export function teamView(state: LinearState, team: TeamRecord): View {
  const stateRef = (id: string | null) => () => (id ? workflowStateView(state, state.states.get(id)) : null);
  const started = state.teamStates(team.id).find((s) => s.type === 'started');
  return {
    id: team.id,
    key: team.key,
    name: team.name,
    displayName: team.name,
    description: null,
    icon: null,
    color: '#5e6ad2',
    createdAt: team.createdAt,
    updatedAt: team.updatedAt,
    archivedAt: null,
    retiredAt: null,
    private: false,
    visibility: 'public',
    timezone: 'UTC',
    inviteHash: 'sandbox',
    issueCount: ({ includeArchived }: { includeArchived?: boolean }) =>
      [...state.issues.values()].filter((i) => i.teamId === team.id && (includeArchived || !i.archivedAt))
        .length,
    triageEnabled: team.triageStateId !== null,
    triageIssueState: stateRef(team.triageStateId),
    defaultIssueState: stateRef(team.defaultStateId),
    markedAsDuplicateWorkflowState: stateRef(team.duplicateStateId),
    startWorkflowState: stateRef(started?.id ?? null),
    draftWorkflowState: null,
    mergeWorkflowState: null,
    mergeableWorkflowState: null,
    reviewWorkflowState: null,
    states: (args: ConnectionArgs) =>
      connection(
        state.teamStates(team.id),
        args,
        filtersFor(state).workflowState,
        (s) => workflowStateView(state, s) as View,
        true,
      ),
    labels: (args: ConnectionArgs) =>
      connection(
        [...state.labels.values()].filter((l) => l.teamId === team.id),
        args,
        filtersFor(state).label,
        (l) => labelView(state, l),
      ),
    activeCycle: null,
    parent: null,
    integrationsSettings: null,
    triageResponsibility: null,
    defaultProjectTemplate: null,
    defaultTemplateForMembers: null,
    defaultTemplateForMembersId: null,
    defaultTemplateForNonMembers: null,
    defaultTemplateForNonMembersId: null,
    viewerMembership: { id: `${team.id}:${state.viewer.id}` },
    viewerCanJoin: false,
    viewerCanLeave: false,
    allMembersCanJoin: true,
    aiDiscussionSummariesEnabled: false,
    aiThreadSummariesEnabled: false,
    autoArchivePeriod: 6,
    autoCloseChildIssues: false,
    autoCloseParentIssues: false,
    autoClosePeriod: null,
    autoCloseStateId: null,
    cycleCalenderUrl: `${state.baseUrl}/`,
    cycleCooldownTime: 0,
    cycleDuration: 1,
    cycleIssueAutoAssignCompleted: false,
    cycleIssueAutoAssignStarted: false,
    cycleLockToActive: false,
    cycleStartDay: 1,
    cyclesEnabled: false,
    upcomingCycleCount: 0,
    defaultIssueEstimate: 0,
    groupIssueHistory: true,
    inheritIssueEstimation: false,
    inheritWorkflowStatuses: false,
    initiativesEnabled: false,
    issueEstimationAllowZero: false,
    issueEstimationExtended: false,
    issueEstimationType: 'notUsed',
    issueOrderingNoPriorityFirst: false,
    issueSortOrderDefaultToBottom: false,
    ledInitiativeCount: 0,
    requirePriorityToLeaveTriage: false,
    scimGroupName: null,
    scimManaged: false,
    securitySettings: {},
    setIssueSortOrderOnStateChange: 'default',
    slackIssueComments: false,
    slackIssueStatuses: false,
    slackNewIssue: false,
  };
}

export function workflowStateView(state: LinearState, s: WorkflowStateRecord | undefined): View | null {
  if (!s) return null;
  return {
    id: s.id,
    name: s.name,
    type: s.type,
    color: s.color,
    position: s.position,
    description: s.description,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    archivedAt: null,
    inheritedFrom: null,
    team: () => {
      const team = state.teams.get(s.teamId);
      return team ? teamView(state, team) : null;
    },
  };
}

export function labelView(state: LinearState, label: LabelRecord): View {
  return {
    id: label.id,
    name: label.name,
    color: label.color,
    description: label.description,
    createdAt: label.createdAt,
    updatedAt: label.updatedAt,
    archivedAt: null,
    lastAppliedAt: null,
    isGroup: false,
    groupType: null,
    inheritedFrom: null,
    parent: null,
    retiredBy: null,
    creator: () => userView(state),
    team: () => {
      const team = label.teamId ? state.teams.get(label.teamId) : undefined;
      return team ? teamView(state, team) : null;
    },
  };
}
