// Packages: what kind a file is, its checksum, and safe unpacking.
export { isSha256, parseChecksumFile, readChecksumBeside, sha256File } from './checksum';
export { detectKind, detectKindFromBytes, kindFromName, type PackageKind } from './detect';
export { type ArchiveEntry, checkEntries, type EntryProblem, type EntryType, formatEntryProblem, normalizeEntryPath, splitEntryPath } from './entries';
export { type ArchiveKind, type ArchiveListing, listArchive, unpackArchive, UnsafeArchiveError, type UnpackOptions, type UnpackProgress, type UnpackResult } from './unpack';
export { parseTarVerbose, unescapeTarName } from './listing';
export { checkLocalPackages, type PackageSums } from './plan-packages';
export * from './size';
