// Mesos v1 scheduler API messages as JSON (proto field names, enums as strings, bytes as base64).
// Shared by the scheduler client, the session core and the test stand-in.

export interface Value { value: string }
export type FrameworkID = Value;
export type AgentID = Value;
export type OfferID = Value;
export type TaskID = Value;
export type ExecutorID = Value;

export interface Range { begin: number; end: number }
export interface Resource {
  name: string;
  type: 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';
  scalar?: { value: number };
  ranges?: { range: Range[] };
  set?: { item: string[] };
  role?: string;
  allocation_info?: { role?: string };
  reservations?: unknown[];
}

export interface Attribute {
  name: string;
  type: 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';
  text?: { value: string };
  scalar?: { value: number };
  ranges?: { range: Range[] };
  set?: { item: string[] };
}

export interface URL {
  scheme: string;
  address: { hostname?: string; ip?: string; port: number };
  path?: string;
}

export interface Offer {
  id: OfferID;
  framework_id: FrameworkID;
  agent_id: AgentID;
  hostname: string;
  url?: URL;
  resources: Resource[];
  attributes?: Attribute[];
  allocation_info?: { role?: string };
  /** Set when the agent's machine is in the maintenance schedule: the window's start (and length). */
  unavailability?: { start: { nanoseconds: number }; duration?: { nanoseconds: number } };
}

export interface CommandURI { value: string; executable?: boolean; extract?: boolean; cache?: boolean; output_file?: string }
export interface EnvironmentVariable { name: string; type?: 'VALUE' | 'SECRET'; value?: string }
export interface CommandInfo {
  value?: string;
  shell?: boolean;
  arguments?: string[];
  uris?: CommandURI[];
  environment?: { variables: EnvironmentVariable[] };
  user?: string;
}

export interface ContainerInfo {
  type: 'DOCKER' | 'MESOS';
  docker?: {
    image: string; network?: 'HOST' | 'BRIDGE' | 'NONE' | 'USER'; force_pull_image?: boolean;
    port_mappings?: { host_port: number; container_port: number; protocol?: string }[];
    parameters?: { key: string; value: string }[];
  };
  /** Image.cached false: pull the image even when the agent has it. */
  mesos?: { image?: { type: 'DOCKER' | 'APPC'; docker?: { name: string }; cached?: boolean } };
  volumes?: { container_path: string; host_path?: string; mode: 'RW' | 'RO' }[];
}

export interface Label { key: string; value?: string }

export interface TaskInfo {
  name: string;
  task_id: TaskID;
  agent_id: AgentID;
  resources: Resource[];
  command?: CommandInfo;
  executor?: unknown;
  container?: ContainerInfo;
  labels?: { labels: Label[] };
}

export type TaskState =
  | 'TASK_STAGING' | 'TASK_STARTING' | 'TASK_RUNNING' | 'TASK_KILLING'
  | 'TASK_FINISHED' | 'TASK_FAILED' | 'TASK_KILLED' | 'TASK_ERROR' | 'TASK_LOST'
  | 'TASK_DROPPED' | 'TASK_UNREACHABLE' | 'TASK_GONE' | 'TASK_GONE_BY_OPERATOR' | 'TASK_UNKNOWN';

/** Terminal for a framework that is not partition-aware (TASK_LOST included). */
export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR',
]);

export interface TaskStatus {
  task_id: TaskID;
  state: TaskState;
  message?: string;
  source?: 'SOURCE_MASTER' | 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';
  reason?: string;
  agent_id?: AgentID;
  executor_id?: ExecutorID;
  timestamp?: number;
  /** base64; present only on updates that must be acknowledged. */
  uuid?: string;
  healthy?: boolean;
  container_status?: unknown;
}

export interface MasterInfo {
  id: string;
  ip?: number;
  port: number;
  pid?: string;
  hostname?: string;
  version?: string;
  address?: { hostname?: string; ip?: string; port: number };
  capabilities?: { type: string }[];
}

export interface FrameworkInfo {
  user: string;
  name: string;
  id?: FrameworkID;
  failover_timeout?: number;
  checkpoint?: boolean;
  role?: string;
  roles?: string[];
  hostname?: string;
  principal?: string;
  webui_url?: string;
  capabilities?: { type: string }[];
  labels?: { labels: Label[] };
}

export interface Filters { refuse_seconds?: number }

export type Operation =
  | { type: 'LAUNCH'; launch: { task_infos: TaskInfo[] } };

export type CallType =
  | 'SUBSCRIBE' | 'TEARDOWN' | 'ACCEPT' | 'DECLINE' | 'ACCEPT_INVERSE_OFFERS' | 'DECLINE_INVERSE_OFFERS'
  | 'REVIVE' | 'KILL' | 'SHUTDOWN' | 'ACKNOWLEDGE' | 'ACKNOWLEDGE_OPERATION_STATUS' | 'RECONCILE'
  | 'RECONCILE_OPERATIONS' | 'MESSAGE' | 'REQUEST' | 'SUPPRESS' | 'UPDATE_FRAMEWORK';

export interface Call {
  type: CallType;
  framework_id?: FrameworkID;
  subscribe?: { framework_info: FrameworkInfo; suppressed_roles?: string[] };
  accept?: { offer_ids: OfferID[]; operations: Operation[]; filters?: Filters };
  decline?: { offer_ids: OfferID[]; filters?: Filters };
  accept_inverse_offers?: { inverse_offer_ids: OfferID[]; filters?: Filters };
  decline_inverse_offers?: { inverse_offer_ids: OfferID[]; filters?: Filters };
  kill?: { task_id: TaskID; agent_id?: AgentID };
  acknowledge?: { agent_id: AgentID; task_id: TaskID; uuid: string };
  reconcile?: { tasks: { task_id: TaskID; agent_id?: AgentID }[] };
  revive?: { roles?: string[] };
  suppress?: { roles?: string[] };
  message?: { agent_id: AgentID; executor_id: ExecutorID; data: string };
}

/** The master asks for an agent back: its machine goes into maintenance at unavailability.start (Mesos' InverseOffer). */
export interface InverseOffer {
  id: OfferID;
  url?: Offer['url'];
  framework_id: FrameworkID;
  agent_id?: AgentID;
  unavailability: NonNullable<Offer['unavailability']>;
}

export type EventType = 'SUBSCRIBED' | 'OFFERS' | 'INVERSE_OFFERS' | 'RESCIND' | 'RESCIND_INVERSE_OFFER' | 'UPDATE'
  | 'UPDATE_OPERATION_STATUS' | 'MESSAGE' | 'FAILURE' | 'ERROR' | 'HEARTBEAT';

export interface Event {
  type: EventType | string;
  subscribed?: { framework_id: FrameworkID; heartbeat_interval_seconds?: number; master_info?: MasterInfo };
  offers?: { offers: Offer[] };
  rescind?: { offer_id: OfferID };
  inverse_offers?: { inverse_offers: InverseOffer[] };
  rescind_inverse_offer?: { inverse_offer_id: OfferID };
  update?: { status: TaskStatus };
  message?: { agent_id: AgentID; executor_id: ExecutorID; data: string };
  failure?: { agent_id?: AgentID; executor_id?: ExecutorID; status?: number };
  error?: { message: string };
}
