// Imported for what it links: the release build links Foundation statically (see Package.swift),
// and a static module's libraries (CoreFoundation, its ICU) reach the linker only through the
// objects that import it.
import Foundation
import LogportCLI

await LogportCommand.runFromCommandLine()
