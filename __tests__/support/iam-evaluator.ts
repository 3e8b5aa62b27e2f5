/*
 * A small evaluator of IAM policy statements in the synthesized form of `data.aws_iam_policy_document`
 * (effect, actions / not_actions, resources / not_resources, condition [{test, variable, values}]). It follows
 * IAM's evaluation logic for one principal: an explicit Deny wins, then some Allow is needed, and a permissions
 * boundary must allow as well. It knows the condition operators the project's policies use and throws on any
 * other, so a policy it cannot judge fails the test instead of passing it. No AWS simulator is reachable here.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SynthStatement = Record<string, any>;

/** One API call: the action, the resource ARN and the request context keys IAM would fill in. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

export type Decision = "allowed" | "explicitly denied" | "implicitly denied";

/** IAM wildcards: `*` any run of characters, `?` one character. */
function wildcardMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, ignoreCase ? "i" : "");
  return regex.test(value);
}

const NEGATED = new Set(["StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike"]);

function matchesOne(operator: string, expected: string, actual: string): boolean {
  switch (operator) {
    case "StringEquals":
    case "StringNotEquals":
      return expected === actual;
    case "StringLike":
    case "StringNotLike":
    case "ArnEquals":
    case "ArnLike":
    case "ArnNotEquals":
    case "ArnNotLike":
      return wildcardMatch(expected, actual, false);
    case "Bool":
      return expected.toLowerCase() === actual.toLowerCase();
    default:
      throw new Error(`the evaluator does not know condition operator ${operator}`);
  }
}

/** One context value against the condition's values: positive operators need one match, negated ones none. */
function valueSatisfies(operator: string, expected: readonly string[], actual: string): boolean {
  const matched = expected.some((each) => matchesOne(operator, each, actual));
  return NEGATED.has(operator) ? !matched : matched;
}

function conditionHolds(condition: SynthStatement, context: IamRequest["context"] = {}): boolean {
  const match = /^(ForAnyValue:|ForAllValues:)?([A-Za-z]+?)(IfExists)?$/.exec(condition.test);
  if (!match) throw new Error(`unreadable condition operator ${condition.test}`);
  const [, setOperator, operator, ifExists] = match;
  const present = Object.prototype.hasOwnProperty.call(context, condition.variable);
  const values: string[] = condition.values.map(String);
  if (operator === "Null") return values.every((value) => (value === "true") === !present);
  if (!present) return Boolean(ifExists) || NEGATED.has(operator) || setOperator === "ForAllValues:";
  const raw = context[condition.variable];
  const actual = typeof raw === "string" ? [raw] : [...raw];
  if (setOperator === "ForAllValues:") return actual.every((value) => valueSatisfies(operator, values, value));
  if (setOperator === "ForAnyValue:") return actual.some((value) => valueSatisfies(operator, values, value));
  if (actual.length !== 1) throw new Error(`${condition.variable} has several values: use ForAnyValue/ForAllValues`);
  return valueSatisfies(operator, values, actual[0]);
}

/** Whether a statement applies to a request (its effect aside). */
export function statementMatches(statement: SynthStatement, request: IamRequest): boolean {
  const actionMatch = (patterns: string[]) => patterns.some((pattern) => wildcardMatch(pattern, request.action, true));
  const resourceMatch = (patterns: string[]) => patterns.some((pattern) => wildcardMatch(pattern, request.resource, false));
  if (statement.actions && !actionMatch(statement.actions)) return false;
  if (statement.not_actions && actionMatch(statement.not_actions)) return false;
  if (!statement.actions && !statement.not_actions) throw new Error(`statement ${statement.sid ?? ""} has no actions`);
  if (statement.resources && !resourceMatch(statement.resources)) return false;
  if (statement.not_resources && resourceMatch(statement.not_resources)) return false;
  return (statement.condition ?? []).every((condition: SynthStatement) => conditionHolds(condition, request.context));
}

/** The decision of one policy set (identity policies of a role, or a boundary) alone. */
export function evaluate(statements: readonly SynthStatement[], request: IamRequest): Decision {
  const applying = statements.filter((statement) => statementMatches(statement, request));
  const effects = applying.map((statement) => {
    const effect = String(statement.effect ?? "Allow");
    if (effect !== "Allow" && effect !== "Deny") throw new Error(`unknown effect ${effect}`);
    return effect;
  });
  if (effects.includes("Deny")) return "explicitly denied";
  return effects.includes("Allow") ? "allowed" : "implicitly denied";
}

/** A role's decision: its identity policies must allow, and so must its permissions boundary when it has one. */
export function decide(identity: readonly SynthStatement[], request: IamRequest, boundary?: readonly SynthStatement[]): Decision {
  const decision = evaluate(identity, request);
  if (decision !== "allowed" || !boundary) return decision;
  return evaluate(boundary, request);
}
