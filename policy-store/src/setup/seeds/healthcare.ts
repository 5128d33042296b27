import type { EntitlementSeed } from "../seed.js";

const entity = (type: string, id: string) => ({ __entity: { type, id } });
const record = (id: string, patient: string, classification: string, phi = true) => ({
  type: "MedicalRecord",
  id,
  attributes: { patient: entity("Patient", patient), classification, phi },
  parents: [{ type: "Patient", id: patient }],
});

/** St. Elsewhere Hospital: the healthcare pack's organisation (policies/healthcare). E-mail domain elsewhere.example. */
export const healthcareSeed: EntitlementSeed = {
  users: [
    { id: "dr-grey", displayName: "Dr. Meredith Grey (attending; care team of p-100)" },
    { id: "nina", displayName: "Nina Patel (nurse researcher; care team of p-100)" },
    { id: "dr-house", displayName: "Dr. Greg House (clinician; care team of p-200 only)" },
    { id: "billy", displayName: "Billy Tran (billing)" },
    { id: "quinn", displayName: "Quinn Adams (quality and operations)" },
    { id: "rita", displayName: "Rita Okafor (research)" },
  ],
  groups: [
    { id: "hospital-staff", description: "Everyone at St. Elsewhere" },
    { id: "clinicians", description: "Doctors and nurses", parents: ["hospital-staff"] },
    { id: "billing", description: "Billing office", parents: ["hospital-staff"] },
    { id: "quality", description: "Quality and operations", parents: ["hospital-staff"] },
    { id: "research", description: "Clinical research", parents: ["hospital-staff"] },
  ],
  segments: [],
  memberships: {
    "User::dr-grey": ["Group::clinicians"],
    "User::nina": ["Group::clinicians", "Group::research"],
    "User::dr-house": ["Group::clinicians"],
    "User::billy": ["Group::billing"],
    "User::quinn": ["Group::quality"],
    "User::rita": ["Group::research"],
  },
  intents: [
    {
      id: "clinical-documentation",
      description: "Read and update the chart of a patient in care; message the care team",
      capabilities: [
        ["record:read", "MedicalRecord"],
        ["record:write", "MedicalRecord"],
        ["email:send", "EmailAddress"],
      ],
    },
    {
      id: "claims-coding",
      description: "Read billing records to code claims; e-mail the payer",
      capabilities: [
        ["record:read", "MedicalRecord"],
        ["email:send", "EmailAddress"],
      ],
    },
    {
      id: "quality-review",
      description: "Review charts for quality measures; export de-identified extracts",
      capabilities: [
        ["record:read", "MedicalRecord"],
        ["record:export", "MedicalRecord"],
      ],
    },
  ],
  agents: [
    {
      id: "scribe",
      owner: "dr-grey",
      description: "Ambient scribe: drafts notes into the chart",
      intents: ["clinical-documentation"],
    },
    {
      id: "summarizer",
      owner: "dr-grey",
      description: "Summarises charts; a sub-agent of the scribe",
      intents: ["clinical-documentation"],
      delegableBy: ["scribe"],
    },
    { id: "coder", owner: "billy", description: "Codes claims for billing", intents: ["claims-coding"] },
    {
      id: "nina-assistant",
      owner: "nina",
      description: "Nina's assistant: charting, and de-identified extracts for her research",
      intents: ["clinical-documentation", "quality-review"],
    },
    { id: "qa-bot", owner: "quinn", description: "Quality measure abstraction", intents: ["quality-review"] },
  ],
  resources: [
    {
      type: "Patient",
      id: "p-100",
      attributes: { careTeam: [entity("User", "dr-grey"), entity("User", "nina")], optOut: false },
    },
    { type: "Patient", id: "p-200", attributes: { careTeam: [entity("User", "dr-house")], optOut: true } },
    record("chart-100", "p-100", "clinical"),
    record("bill-100", "p-100", "billing"),
    record("psych-100", "p-100", "psychotherapy"),
    record("deid-100", "p-100", "deidentified", false),
    record("chart-200", "p-200", "clinical"),
    record("bill-200", "p-200", "billing"),
    record("deid-200", "p-200", "deidentified", false),
  ],
};
