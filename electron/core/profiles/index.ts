// Profiles: the schema (v2), loading with file:line problems, the console-command parser.
export { BUILTIN_FLAGS, BUILTIN_VARS, inLang, ProfileSchema, type LangText, type Profile, type ProfileInput, type ProfileStep, type Token } from './schema';
export { hostColumnsOf, portColumnsOf } from './host-columns';
export { loadProfiles, parseProfile, profileDirs, type LoadedProfile } from './load';
export { parseConsoleCommand, type ConsoleCommandResult } from './console-command';
export { profileJsonSchema } from './json-schema';
export { profileUses, type ProfileUses } from './uses';
