using System.Security.Cryptography;

namespace Blueshift.Functions.Releases;

/// <summary>Where release ids come from; tests may supply their own.</summary>
public interface IReleaseIdSource
{
    string NewId(DateTimeOffset now);
}

/// <summary>Sortable, unguessable ids: <c>rel-20260305T220000-3f9a1c2b7d</c>.</summary>
internal sealed class RandomReleaseIdSource : IReleaseIdSource
{
    public string NewId(DateTimeOffset now) =>
        $"rel-{now.UtcDateTime:yyyyMMdd'T'HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5))}";
}
