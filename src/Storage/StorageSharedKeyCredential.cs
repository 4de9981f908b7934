using System.Security.Cryptography;
using System.Text;

namespace Blueshift.Storage;

/// <summary>
/// A storage account name and key, used to sign requests with Shared Key (queues) or Shared Key Lite (tables).
/// The key never leaves this object: it is not exposed, logged or included in any message.
/// </summary>
public sealed class StorageSharedKeyCredential
{
    private readonly byte[] _key;

    /// <summary>Creates a credential from the account name and its base64 account key.</summary>
    /// <exception cref="ArgumentException">The name is empty or the key is not valid base64.</exception>
    public StorageSharedKeyCredential(string accountName, string accountKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountName);
        ArgumentException.ThrowIfNullOrWhiteSpace(accountKey);
        AccountName = accountName;
        try
        {
            _key = Convert.FromBase64String(accountKey);
        }
        catch (FormatException)
        {
            // Deliberately without the value: it is a secret.
            throw new ArgumentException("The storage account key is not valid base64.", nameof(accountKey));
        }
    }

    /// <summary>The storage account name.</summary>
    public string AccountName { get; }

    /// <summary>The base64 HMAC-SHA256 of <paramref name="stringToSign"/> under the account key.</summary>
    internal string ComputeSignature(string stringToSign) =>
        Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(stringToSign)));

    /// <inheritdoc />
    public override string ToString() => $"StorageSharedKeyCredential({AccountName})";
}
