// engine-bench: see EngineBench.swift; each subcommand lives in its own file.
EngineBench.main()
