// The plan engine's public API: load answers and regions; build a plan; render its steps.
export {
  AnswersSchema,
  LITERAL_SECRET,
  formatPath,
  formatProblem,
  loadAnswersFile,
  parseAnswers,
  validateAnswers,
  type Answers,
  type AnswersFormat,
  type AnswersInput,
  type AnswersResult,
  type Problem,
} from './answers';
export { derivedObsDomain, loadRegions, parseRegions, resolveRegion, type RegionInfo, type ResolvedRegion } from './regions';
export { buildPlan, displayOf, formatTable, PlanError, probeText, subst } from './build';
export { forwardSpec, keyComment, keyOptions, TUNNEL_HOSTKEY_ALIAS, tunnelIdentityFile, TUNNEL_KNOWN_HOSTS } from './tunnel';
export { describeRef, envResolver, renderExec, renderPieces, renderStep, secretRefs, type Facts, type RenderMode, type SecretResolver } from '../render';
export { checkInputValue, resolveInputs } from './inputs';
export { planFromAnswers, type PlanSources } from './sources';
export type { Action, AuthInfo, Forward, JumpHost, Piece, Plan, Probe, SecretPiece, SecretRef, Shell, Step, Table, TargetHost } from '../../common/api/plan';
export { buildInheritedPlan, inheritedFromAnswers, type InheritedHost, type InheritedInput } from './inherited';
export { iplistPasswordOk, iplistProblems, iplistText, INHERITED_PORT, INHERITED_USER } from './iplist';
export { checkPlan, dropKeyLineScript, isUninstallStep, repairPlan, stopTunnelScript, uninstallPlan, untunnelPlan } from './lifecycle';
