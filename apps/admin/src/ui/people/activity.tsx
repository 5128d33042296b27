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
          rows={active.length}
          empty="Not over the wall for any issuer."
        >
          {active.map((x) => (
            <tr data-testid={`crossing-${x.issuer}`}>
              <td>{x.issuer}</td>
              <td>{when(x.expiresAt)}</td>
              <td>{x.reason}</td>
              <td>{x.grantedBy}</td>
            </tr>
          ))}
        </DataTable>
      </Section>
      <Section id="t" title="Recently touched on their behalf">
        <DataTable
          id="user-touches"
          caption={`What agents touched for ${user}, newest first`}
          columns={["When", "Labels", "By", "Decision"]}
          rows={activity.touches.length}
          empty="Nothing recorded."
        >
          {activity.touches.map((t) => (
            <tr>
              <td>{when(t.at)}</td>
              <td>{t.labels.join(", ")}</td>
              <td>
                {t.agents.join(", ")}
                {t.run ? (
                  <div class="muted">
                    run <a href={`/runs/${encodeURIComponent(t.run)}`}>{t.run}</a>
                  </div>
                ) : null}
              </td>
              <td>
                <code>{t.decisionId}</code>
              </td>
            </tr>
          ))}
        </DataTable>
      </Section>
    </>
  );
}
