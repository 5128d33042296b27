/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { ConsoleOverview } from "@pea/policy-store";
import { DataTable, Section, when } from "../components.js";
import { Layout, type PageState, refText } from "../layout.js";
import { DecisionChart, seriesClass } from "./chart.js";

const audit = (filters: Record<string, string>) => `/audit?${new URLSearchParams({ since: "24h", ...filters })}`;

function Figure(props: { id: string; label: string; value: number; href: string; alert?: boolean }) {
  return (
    <a class={`figure${props.alert ? " alert" : ""}`} href={props.href} data-testid={`figure-${props.id}`}>
      <span class="value">{props.value.toLocaleString("en-US")}</span>
      <span class="label">{props.label}</span>
    </a>
  );
}

/** The landing page: what waits, what runs, who is over a wall, what was revoked, how decisions went. */
export function OverviewPage(props: { state: PageState; overview: ConsoleOverview }) {
  const o = props.overview;
  const d = o.decisions;
  // The rows of the outcome table: allowed, then denied by each deciding reason.
  const outcomes = [
    {
      series: "allow",
      outcome: "allow",
      reason: "",
      count: d.allow,
      href: audit({ decision: "allow" }),
      testid: undefined,
    },
    ...d.byReason.map((r) => ({
      series: r.reason,
      outcome: `deny${r.failClosed ? " (fail-closed)" : ""}`,
      reason: r.reason,
      count: r.count,
      href: audit({ decision: "deny", reason: r.reason }),
      testid: `deny-${r.reason}`,
    })),
  ];
  return (
    <Layout title="Overview" path="/" state={props.state}>
      <div class="figures">
        <Figure id="approvals" label="approvals waiting" value={o.pendingApprovals} href="/approvals" />
        <Figure id="runs" label="active runs" value={o.activeRuns} href="/runs?status=active" />
        <Figure id="crossings" label="active wall crossings" value={o.activeCrossings} href="/sod#walls" />
        <Figure id="revocations" label="revocations, 24 h" value={o.revocationsLastDay} href="/revocations" />
        <Figure id="allow" label="allowed, 24 h" value={d.allow} href={audit({ decision: "allow" })} />
        <Figure id="deny" label="denied, 24 h" value={d.deny} href={audit({ decision: "deny" })} />
        <Figure
          id="failclosed"
          label="fail-closed denies, 24 h"
          value={d.failClosed}
          href={audit({
            decision: "deny",
            reason: d.byReason.find((r) => r.failClosed)?.reason ?? "store_unavailable",
          })}
          alert={d.failClosed > 0}
        />
      </div>
      {d.failClosed > 0 ? (
        <p class="error" role="alert" data-testid="failclosed-alert">
          {d.failClosed.toLocaleString("en-US")} decisions in the last 24 h were denied because PEA could not decide
          (its store, its audit log or policy evaluation failed), not because a policy said no:{" "}
          {d.byReason
            .filter((r) => r.failClosed)
            .map((r, i) => (
              <>
                {i > 0 ? ", " : ""}
                <a href={audit({ decision: "deny", reason: r.reason })}>
                  {r.count.toLocaleString("en-US")} {r.reason}
                </a>
              </>
            ))}
          .
        </p>
      ) : null}
      <Section id="decisions" title="Decisions per hour, last 24 h (UTC)">
        <DecisionChart hours={d.hours} />
        <DataTable
          id="deny-reasons"
          caption="Decisions in the last 24 hours by outcome and deciding reason"
          columns={["Outcome", "Reason", "Decisions"]}
          items={outcomes}
          rowHeads={false}
          cells={(row) => [
            <>
              <span class={`key ${seriesClass(row.series)}`} /> {row.outcome}
            </>,
            row.reason,
            <a href={row.href} data-testid={row.testid}>
              {row.count.toLocaleString("en-US")}
            </a>,
          ]}
        />
      </Section>
      <Section id="recent-revocations" title="Recent revocations">
        <DataTable
          id="revocations-recent"
          caption="The newest revocations"
          columns={["When", "Target", "Reason", "By"]}
          items={o.recentRevocations}
          empty="Nothing has been revoked."
          rowHeads={false}
          cells={(r) => [when(r.createdAt), refText(r.target), r.reason, r.by]}
        />
        <p>
          <a href="/revocations">All revocations</a>
        </p>
      </Section>
    </Layout>
  );
}
