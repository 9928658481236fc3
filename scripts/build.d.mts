/** Types of scripts/build.mjs for the TypeScript that imports it (the e2e tests' global setup). */
export declare const ROOT: string;
export declare const DIST: string;
export declare function sourceFingerprint(): string;
export declare function isBuildStale(): boolean;
export declare function build(options?: { check?: boolean }): void;
export declare function ensureBuilt(): Promise<boolean>;
export declare function consoleFingerprint(): string;
export declare function isConsoleBuildStale(): boolean;
export declare function buildConsole(): void;
export declare function ensureConsoleBuilt(): Promise<boolean>;
