using Slipway.Cli.Synthesis;

namespace Slipway.Cli.Tests.Synthesis;

/// <summary>What ended a synthesis, in words, and which failures are the machine's (exit 1) rather than bugs (exit 3).</summary>
public sealed class SynthesisFailuresTests
{
    [Theory]
    [InlineData(137, "was killed (SIGKILL), likely by the system for lack of memory (the out-of-memory killer) or by a cancelled job")]
    [InlineData(143, "was stopped (SIGTERM), likely by a cancelled job or a shutdown")]
    [InlineData(139, "crashed (SIGSEGV)")]
    [InlineData(134, "aborted (SIGABRT), likely for lack of memory")]
    [InlineData(162, "was ended by signal 34")]
    public void A_signal_is_said_in_words(int exitCode, string words) => Assert.Equal(words, SynthesisFailures.Signal(exitCode));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(128)]
    public void An_exit_code_is_not_a_signal(int exitCode) => Assert.Null(SynthesisFailures.Signal(exitCode));

    [Fact]
    public void A_full_disk_and_memory_are_resource_problems_and_a_bug_is_not()
    {
        Assert.Equal("the disk is full (No space left on device : '/out/x.json')",
            SynthesisFailures.ResourceProblem(new IOException("No space left on device : '/out/x.json'", 28)));
        // As jsii 1.142 raises Node's error: a plain Exception with the JavaScript message.
        Assert.Equal("the disk is full (ENOSPC while the JavaScript runtime wrote the templates)",
            SynthesisFailures.ResourceProblem(new Exception("Error: ENOSPC: no space left on device, write")));
        Assert.Equal("this process ran out of memory", SynthesisFailures.ResourceProblem(new InvalidOperationException("wrapped", new OutOfMemoryException())));
        Assert.Null(SynthesisFailures.ResourceProblem(new InvalidOperationException("Sequence contains no elements")));
        Assert.Null(SynthesisFailures.ResourceProblem(new IOException("Access to the path is denied")));
    }

    [Fact]
    public void Services_are_listed_by_name()
    {
        Assert.Equal("service \"orders\"", SynthesisFailures.Services(new[] { "orders" }));
        Assert.Equal("services \"orders\", \"billing\"", SynthesisFailures.Services(new[] { "orders", "billing" }));
    }
}
