/** The lists of the issue-15 routes; an older server answers 404 and they show "not available". */
import { computed, signal } from "@preact/signals";
import type {
  AccountsPage,
  AddressBanView,
  InstancesView,
  ReportView,
  StaffView,
} from "../../lib/admin/api_types.ts";
import { api, query } from "./api.ts";
import { remote } from "./remote.ts";

/** Accounts page size. */
export const ACCOUNTS_PAGE = 50;
/** The accounts search text (kept across refreshes). */
export const accountQuery = signal("");
/** Which reports are listed. */
export const reportStatus = signal<"open" | "closed">("open");

/** `GET /api/accounts`: the first page for the current search. */
export const accounts = remote(() =>
  api<AccountsPage>(
    "GET",
    `/api/accounts${query({ query: accountQuery.value, limit: ACCOUNTS_PAGE })}`,
  )
);

/** Appends the next page of accounts (after the last name shown). */
export async function moreAccounts(): Promise<void> {
  const current = accounts.state.value;
  if (current.status !== "ready") return;
  const after = current.data.accounts.at(-1)?.user;
  const page = await api<AccountsPage>(
    "GET",
    `/api/accounts${query({ query: accountQuery.value, limit: ACCOUNTS_PAGE, after })}`,
  );
  accounts.state.value = {
    status: "ready",
    data: { accounts: [...current.data.accounts, ...page.accounts], more: page.more },
  };
}

/** `GET /api/staff`. */
export const staff = remote(async () =>
  (await api<{ staff: StaffView[] }>("GET", "/api/staff")).staff
);

/**
 * Open reports loaded at most (the API's default limit): past it the navigation says
 * "100+".
 */
export const OPEN_REPORTS_LIMIT = 100;

function reportsFetcher(status: "open" | "closed"): () => Promise<ReportView[]> {
  return async () =>
    (await api<{ reports: ReportView[] }>(
      "GET",
      `/api/reports${query({ status, limit: OPEN_REPORTS_LIMIT })}`,
    )).reports;
}

/**
 * `GET /api/reports?status=open`: the queue, kept loaded whatever section is shown (its
 * length is the count beside "Reports" in the navigation).
 */
export const openReports = remote(reportsFetcher("open"));
/** `GET /api/reports?status=closed`: loaded while the Reports section lists them. */
export const closedReports = remote(reportsFetcher("closed"));

/** The reports the Reports section lists (open or closed, as chosen). */
export function shownReports(): typeof openReports {
  return reportStatus.value === "open" ? openReports : closedReports;
}

/** Reloads the open reports, and the closed ones too while they are the ones listed. */
export async function loadReports(): Promise<void> {
  await openReports.load();
  if (reportStatus.value === "closed") await closedReports.load();
}

/**
 * How many reports are open (at most {@linkcode OPEN_REPORTS_LIMIT}), or null until known
 * (and on a server without the report queue).
 */
export const openReportCount = computed(() => {
  const state = openReports.state.value;
  return state.status === "ready" ? state.data.length : null;
});

/** `GET /api/address-bans`. */
export const addressBans = remote(async () =>
  (await api<{ bans: AddressBanView[] }>("GET", "/api/address-bans")).bans
);

/** `GET /api/instances`: the instances of the chat service (one process: itself). */
export const instances = remote(async () =>
  (await api<InstancesView>("GET", "/api/instances")).instances
);
