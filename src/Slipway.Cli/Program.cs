using Slipway.Cli.Commands;
using Slipway.Cli.Synthesis;

Timings.ProcessStarted();
NodeRuntime.UsePinned();
return Cli.Run(args);
