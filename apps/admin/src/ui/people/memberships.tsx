/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { GroupRow, SegmentRow } from "@pea/policy-store";
import { ActionButton, Section } from "../components.js";
import { Csrf, Empty, FormError, type PageState, refText, val } from "../layout.js";

type Member = { type: string; id: string };

/** Grant-membership form: member fixed, pick a group or segment. */
function GrantMembership(props: {
  state: PageState;
  member: Member;
  groups: GroupRow[];
  segments: SegmentRow[];
  back: string;
}) {
  const { state, member } = props;
  const option = (ref: string, label: string) => (
    <option value={ref} selected={val(state, "parent") === ref}>
      {label}
    </option>
  );
  return (
    <form method="post" action="/memberships/grant" class="row wrap" aria-describedby="grant-error">
      <Csrf state={state} />
      <input type="hidden" name="memberType" value={member.type} />
      <input type="hidden" name="memberId" value={member.id} />
      <input type="hidden" name="back" value={props.back} />
      <label for="grant-parent">Add to</label>
      <select id="grant-parent" name="parent" required>
        <option value="">Choose a group or segment…</option>
        <optgroup label="Groups">
          {props.groups
            .filter((g) => !(member.type === "Group" && g.id === member.id))
            .map((g) => option(`Group::${g.id}`, g.id))}
        </optgroup>
        {member.type !== "Group" ? (
          <optgroup label="Segments">{props.segments.map((s) => option(`Segment::${s.id}`, s.id))}</optgroup>
        ) : null}
      </select>
      <button type="submit" class="primary" data-testid="grant-membership">
        Add membership
      </button>
      <FormError state={state} form="grant" />
    </form>
  );
}

function MembershipList(props: { state: PageState; member: Member; memberOf: Member[]; back: string }) {
  const { state, member } = props;
  const canRevoke = state.allowed.has("admin:membership.revoke");
  if (props.memberOf.length === 0) return <Empty>Not in any group or segment.</Empty>;
  return (
    <ul class="list">
      {props.memberOf.map((p) => (
        <li>
          <span class={`chip ${p.type.toLowerCase()}`}>{refText(p)}</span>
          {canRevoke ? (
            <ActionButton
              state={state}
              action="/memberships/revoke"
              label="Remove"
              danger
              fields={{ memberType: member.type, memberId: member.id, parent: refText(p), back: props.back }}
              confirm={`Remove ${refText(member)} from ${refText(p)}? It loses what that membership grants at once, on every PDP.`}
            />
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** A user's or agent's groups and segments, with the forms to change them. */
export function Memberships(props: {
  state: PageState;
  type: "User" | "Agent";
  entity: { id: string; memberOf: Member[] };
  lists: { groups: GroupRow[]; segments: SegmentRow[] };
  back: string;
}) {
  const { state, entity, back } = props;
  const member = { type: props.type, id: entity.id };
  return (
    <Section id="m" title="Groups & segments">
      <MembershipList state={state} member={member} memberOf={entity.memberOf} back={back} />
      {state.allowed.has("admin:membership.grant") ? (
        <GrantMembership
          state={state}
          member={member}
          groups={props.lists.groups}
          segments={props.lists.segments}
          back={back}
        />
      ) : null}
    </Section>
  );
}

/** Suspend or reactivate a user or an agent (suspending asks first). */
export function StatusToggle(props: { state: PageState; back: string; status: string; confirm: string }) {
  const next = props.status === "active" ? "suspended" : "active";
  return (
    <ActionButton
      state={props.state}
      action={`${props.back}/status`}
      label={next === "active" ? "Reactivate" : "Suspend"}
      fields={{ status: next }}
      danger={next !== "active"}
      confirm={next !== "active" ? props.confirm : undefined}
    />
  );
}
