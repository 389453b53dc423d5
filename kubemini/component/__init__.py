"""What every long-running kubemini process shares: flags, logging, health server, lifecycle."""
