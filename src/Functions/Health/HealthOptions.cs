using System.ComponentModel.DataAnnotations;

namespace Blueshift.Functions.Health;

public sealed class HealthOptions
{
    public const string Section = "Blueshift:Health";

    /// <summary>How long the readiness check waits for the Table service before calling storage unreachable.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "Blueshift__Health__StorageTimeout must be between 100 ms and 1 minute.")]
    public TimeSpan StorageTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
