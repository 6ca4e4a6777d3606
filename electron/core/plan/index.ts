// The plan engine's public API: load answers, profiles and regions; build a plan; render its steps.
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
export { loadProfiles, parseProfile, profileDirs, ProfileSchema, type Profile, type Token } from './profile';
export { derivedObsDomain, loadRegions, parseRegions, resolveRegion, type RegionInfo, type ResolvedRegion } from './regions';
export { buildPlan, formatTable, PlanError, TUNNEL_IDENTITY_FILE } from './build';
export { describeRef, envResolver, renderPieces, renderStep, secretRefs, type RenderMode, type SecretResolver } from './render';
export { planFromAnswers, type PlanSources } from './sources';
export type { AuthInfo, ExpectPort, Forward, Piece, Plan, SecretPiece, SecretRef, Shell, Step, StepKind, Table, TunnelInfo, Where } from '../../common/api/plan';
