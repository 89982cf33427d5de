using System.Buffers.Text;
using System.Security.Cryptography;
using TrialManager.Api.Features.Access;

namespace TrialManager.Api.Features.Sessions;

/// <summary>
/// The secrets of a web session (the cookie's value and the anti-forgery token): 256 random bits each, stored as
/// SHA-256 (<see cref="TokenSecret.Hash"/>), like API tokens. Without the token prefix, so that neither passes for one.
/// </summary>
public static class SessionSecret
{
    private const int SecretBytes = 32;

    /// <summary>Longer values are refused before hashing.</summary>
    public const int MaxLength = 64;

    public static string Generate(RandomNumberGenerator random)
    {
        Span<byte> bytes = stackalloc byte[SecretBytes];
        random.GetBytes(bytes);
        return Base64Url.EncodeToString(bytes);
    }
}
