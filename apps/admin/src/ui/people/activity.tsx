/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { WallCrossing } from "@pea/policy-store";
import { DataTable, Section, when } from "../components.js";

export interface PersonActivity {
  crossings: WallCrossing[];
  touches: Array<{ decisionId: string; at: string; run: string | null; agents: string[]; labels: string[] }>;
}

/** A person's active wall crossings and what was recently touched on their behalf (their history). */
export function ActivitySections({ user, activity }: { user: string; activity: PersonActivity }) {
  const active = activity.crossings.filter((x) => x.active);
  return (
    <>
      <Section id="x" title={<>Over the wall ({active.length} active)</>}>
        <DataTable
          id="user-crossings"
          caption={`Active wall crossings of ${user}`}
          columns={["Issuer", "Until", "Reason", "Granted by"]}
          items={active}
          empty="Not over the wall for any issuer."
          rowHeads={false}
          rowTestId={(x) => `crossing-${x.issuer}`}
          cells={(x) => [x.issuer, when(x.expiresAt), x.reason, x.grantedBy]}
        />
      </Section>
      <Section id="t" title="Recently touched on their behalf">
        <DataTable
          id="user-touches"
          caption={`What agents touched for ${user}, newest first`}
          columns={["When", "Labels", "By", "Decision"]}
          items={activity.touches}
          empty="Nothing recorded."
          rowHeads={false}
          cells={(t) => [
            when(t.at),
            t.labels.join(", "),
            <>
              {t.agents.join(", ")}
              {t.run ? (
                <div class="muted">
                  run <a href={`/runs/${encodeURIComponent(t.run)}`}>{t.run}</a>
                </div>
              ) : null}
            </>,
            <code>{t.decisionId}</code>,
          ]}
        />
      </Section>
    </>
  );
}
