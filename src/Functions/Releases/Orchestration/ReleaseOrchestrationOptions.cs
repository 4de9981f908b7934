using Blueshift.Domain.Releases;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>
/// The durations and limits release orchestrations run with, bound from <c>Blueshift:Releases:Orchestration</c> and
/// validated at start-up. Orchestrators never read them: the starter copies them into each release's input
/// (<see cref="ToRunSettings"/>, <see cref="ToTimeouts"/>), so a replay decides with what the release started with.
/// Defaults are the seed policies' (ARCHITECTURE §4).
/// </summary>
public sealed class ReleaseOrchestrationOptions
{
    public const string SectionName = "Blueshift:Releases:Orchestration";

    /// <summary>How long each traffic step bakes before its analysis.</summary>
    public TimeSpan BakeTime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long production is watched after the swap (seed 004: 10 minutes).</summary>
    public TimeSpan PostSwapWatch { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a freshly deployed slot warms up before its first health probe.</summary>
    public TimeSpan WarmUp { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often health is probed during verification and the post-swap watch.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a running ARM operation is polled and a swap's marker read again.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a swap request's effect is given to show in the release marker before the swap is requested again.</summary>
    public TimeSpan SwapSettleTime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How many times the swap may be requested before the release stops and rolls back.</summary>
    public int MaxSwapAttempts { get; set; } = 3;

    /// <summary>How many times a failed deployment to the staging slot is tried.</summary>
    public int MaxDeployAttempts { get; set; } = 2;

    /// <summary>The window of production metrics the canary and the post-swap watch are compared with.</summary>
    public TimeSpan BaselineWindow { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>First wait before an activity that failed transiently is tried again; it doubles up to <see cref="MaxRetryInterval"/>.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetryInterval { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>How many times an activity is tried (transient faults only) before the release rolls back.</summary>
    public int MaxActivityAttempts { get; set; } = 4;

    /// <summary>Gate timeouts: how long a release waits for approval (seed: 72 h) and for a window (8 days).</summary>
    public TimeSpan ApprovalTimeout { get; set; } = PhaseTimeouts.Default.Approval;

    public TimeSpan WindowTimeout { get; set; } = PhaseTimeouts.Default.Window;

    /// <summary>How long a phase that waits on Azure (deploy, stamp, swap, clear route, rollback) may last.</summary>
    public TimeSpan OperationTimeout { get; set; } = PhaseTimeouts.Default.Operation;

    /// <summary>How long health verification and smoke tests may last.</summary>
    public TimeSpan VerificationTimeout { get; set; } = PhaseTimeouts.Default.Verification;

    /// <summary>Added to a bake's or watch's own length (with its extensions) before the watchdog stops it.</summary>
    public TimeSpan Slack { get; set; } = PhaseTimeouts.Default.Slack;

    /// <summary>
    /// The time grain of the metrics an analysis reads: Azure Monitor's one minute. Tests and a short local demo set it to
    /// seconds against the App Service emulator, so that a bake of seconds has whole grains to judge.
    /// </summary>
    public TimeSpan MetricGrain { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The environment named in notifications.</summary>
    public string Environment { get; set; } = "Production";

    /// <summary>Whom a notification tells people to contact.</summary>
    public string Contact { get; set; } = "Operations on-call";

    internal ReleaseRunSettings ToRunSettings() => new(
        PollInterval, SwapSettleTime, MaxSwapAttempts, MaxDeployAttempts, BaselineWindow, RetryInterval, MaxRetryInterval, MaxActivityAttempts,
        Environment, Contact);

    public PhaseTimeouts ToTimeouts() => new(ApprovalTimeout, WindowTimeout, OperationTimeout, VerificationTimeout, Slack);
}

/// <summary>Rejects options no release could run with, at start-up, saying which setting and why.</summary>
internal sealed class ReleaseOrchestrationOptionsValidator : IValidateOptions<ReleaseOrchestrationOptions>
{
    public ValidateOptionsResult Validate(string? name, ReleaseOrchestrationOptions options)
    {
        var failures = new List<string>();
        void Positive(string setting, TimeSpan value)
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"{ReleaseOrchestrationOptions.SectionName}:{setting} must be a positive duration (it is {value:c}).");
            }
        }
        void AtLeastOne(string setting, int value)
        {
            if (value < 1)
            {
                failures.Add($"{ReleaseOrchestrationOptions.SectionName}:{setting} must be at least 1 (it is {value}).");
            }
        }
        Positive(nameof(options.BakeTime), options.BakeTime);
        Positive(nameof(options.PostSwapWatch), options.PostSwapWatch);
        Positive(nameof(options.WarmUp), options.WarmUp);
        Positive(nameof(options.ProbeInterval), options.ProbeInterval);
        Positive(nameof(options.PollInterval), options.PollInterval);
        Positive(nameof(options.SwapSettleTime), options.SwapSettleTime);
        Positive(nameof(options.BaselineWindow), options.BaselineWindow);
        Positive(nameof(options.RetryInterval), options.RetryInterval);
        Positive(nameof(options.MaxRetryInterval), options.MaxRetryInterval);
        Positive(nameof(options.ApprovalTimeout), options.ApprovalTimeout);
        Positive(nameof(options.WindowTimeout), options.WindowTimeout);
        Positive(nameof(options.OperationTimeout), options.OperationTimeout);
        Positive(nameof(options.VerificationTimeout), options.VerificationTimeout);
        Positive(nameof(options.Slack), options.Slack);
        if (options.MetricGrain < TimeSpan.FromSeconds(1) || options.MetricGrain > TimeSpan.FromMinutes(1) || TimeSpan.FromMinutes(1).Ticks % options.MetricGrain.Ticks != 0)
        {
            failures.Add($"{ReleaseOrchestrationOptions.SectionName}:MetricGrain ({options.MetricGrain:c}) must divide one minute, from one second up to Azure Monitor's one minute.");
        }
        AtLeastOne(nameof(options.MaxSwapAttempts), options.MaxSwapAttempts);
        AtLeastOne(nameof(options.MaxDeployAttempts), options.MaxDeployAttempts);
        AtLeastOne(nameof(options.MaxActivityAttempts), options.MaxActivityAttempts);
        if (options.MaxRetryInterval < options.RetryInterval)
        {
            failures.Add($"{ReleaseOrchestrationOptions.SectionName}:MaxRetryInterval ({options.MaxRetryInterval:c}) must not be shorter than RetryInterval ({options.RetryInterval:c}).");
        }
        if (options.PollInterval >= options.OperationTimeout)
        {
            failures.Add($"{ReleaseOrchestrationOptions.SectionName}:PollInterval ({options.PollInterval:c}) must be shorter than OperationTimeout ({options.OperationTimeout:c}).");
        }
        if (string.IsNullOrWhiteSpace(options.Environment) || string.IsNullOrWhiteSpace(options.Contact))
        {
            failures.Add($"{ReleaseOrchestrationOptions.SectionName}:Environment and Contact are named in every notification and must not be empty.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

public static class ReleaseOrchestrationServiceCollectionExtensions
{
    /// <summary>Binds <see cref="ReleaseOrchestrationOptions"/> from its section and validates it when the host starts.</summary>
    public static IServiceCollection AddReleaseOrchestrationOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReleaseOrchestrationOptions>()
            .Bind(configuration.GetSection(ReleaseOrchestrationOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReleaseOrchestrationOptions>, ReleaseOrchestrationOptionsValidator>();
        return services;
    }
}
