using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Compliance.RestoreTest;

public static class RestoreTestServiceCollectionExtensions
{
    /// <summary>
    /// The restore test's settings (<see cref="RestoreTestOptions"/>, <c>Blueshift:Compliance:RestoreTest</c>), checked when
    /// the app starts. Its activities use what the app registers anyway (ARM's <c>WebSitesClient</c>, the slot probe, the
    /// audit trail, the DR exercise store of <c>AddGovernanceCompliance</c>).
    /// </summary>
    public static IServiceCollection AddRestoreTest(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RestoreTestOptions>()
            .Bind(configuration.GetSection(RestoreTestOptions.SectionName))
            .Validate(o => !string.IsNullOrWhiteSpace(o.DefaultDrSlot) && RestoreTestOrchestrator.IsDedicatedSlotName(o.DefaultDrSlot),
                $"{RestoreTestOptions.SectionName}:DefaultDrSlot must name a deployment slot other than production.")
            .Validate(o => o.OperationTimeout > TimeSpan.Zero && o.HealthTimeout > TimeSpan.Zero && o.Rto > TimeSpan.Zero,
                $"{RestoreTestOptions.SectionName}: OperationTimeout, HealthTimeout and Rto must be positive.")
            .Validate(o => o.PollInterval > TimeSpan.Zero && o.ProbeInterval > TimeSpan.Zero,
                $"{RestoreTestOptions.SectionName}: PollInterval and ProbeInterval must be positive.")
            .ValidateOnStart();
        return services;
    }
}
