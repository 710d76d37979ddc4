import Inspection

// QA/operator CLI; subcommands arrive with the Inspection and Daemon issues.
print("inspectctl \(Inspection.version)")
