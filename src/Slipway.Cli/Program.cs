using Slipway.Cli.Commands;
using Slipway.Cli.Synthesis;

Timings.ProcessStarted();
NodeRuntime.UsePinned();
var code = Cli.Run(args);
if (SynthesisFailures.RuntimeEnded)
{
    // The jsii runtime's exit handler writes to the node process that ended and crashes this one
    // ("Unhandled exception. System.IO.IOException: Broken pipe"): end here, with the exit code.
    SynthesisFailures.ExitWithoutHandlers(code);
}
return code;
