using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace TrialManager.Api.Features.Access;

/// <summary>
/// API token secrets: 256 random bits from the OS CSPRNG, shown once, stored as SHA-256. A fast hash is
/// enough here: unlike a password, a 256-bit random secret cannot be guessed from its hash.
/// </summary>
public static class TokenSecret
{
    public const string Scheme = "tm_";
    private const int SecretBytes = 32;

    public static string Generate(RandomNumberGenerator random)
    {
        Span<byte> bytes = stackalloc byte[SecretBytes];
        random.GetBytes(bytes);
        return Scheme + Base64Url.EncodeToString(bytes);
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>The first characters identify a token in lists without revealing it.</summary>
    public static string PrefixOf(string secret) => secret[..Math.Min(10, secret.Length)];
}
