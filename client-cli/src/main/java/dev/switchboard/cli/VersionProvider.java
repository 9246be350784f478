package dev.switchboard.cli;

import picocli.CommandLine.IVersionProvider;

/**
 * {@code --version}: the {@code Implementation-Version} of the jar the CLI runs from (written by the
 * build from the project version, client-cli/pom.xml), so the printed version cannot drift from the
 * released one. Run from classes rather than the jar (an IDE, tests), there is no manifest: it says so.
 */
final class VersionProvider implements IVersionProvider {

    @Override
    public String[] getVersion() {
        return version(Main.class.getPackage().getImplementationVersion());
    }

    /** The version lines for a manifest's {@code Implementation-Version} (null: not run from the jar). */
    static String[] version(String implementationVersion) {
        return new String[] {
            implementationVersion == null
                    ? "switchboard (version unknown: not run from switchboard-cli.jar)"
                    : "switchboard " + implementationVersion
        };
    }
}
