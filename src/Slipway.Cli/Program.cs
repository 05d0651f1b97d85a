using Slipway.Cli.Commands;

Timings.ProcessStarted();
return Cli.Run(args);
