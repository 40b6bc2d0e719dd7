using System.Text;
using GmailAutomation.GmailClient.Json;

namespace GmailAutomation.GmailClient.Tests;

public class Base64UrlTests
{
    [Fact]
    public void Encodes_with_the_url_alphabet_and_keeps_padding_like_Gmail()
    {
        // 0xFB 0xFF → standard "+/8=", Gmail writes "-_8=".
        Assert.Equal("-_8=", Base64Url.Encode([0xFB, 0xFF]));
        Assert.Equal("YQ==", Base64Url.Encode("a"u8));
    }

    [Theory]
    [InlineData("-_8=")]
    [InlineData("-_8")]
    [InlineData("+/8=")]
    [InlineData("+/8")]
    [InlineData("-_\r\n8=")]
    public void Decodes_either_alphabet_with_or_without_padding(string text) =>
        Assert.Equal(new byte[] { 0xFB, 0xFF }, Base64Url.Decode(text));

    [Fact]
    public void Round_trips_a_whole_message()
    {
        var raw = Encoding.UTF8.GetBytes("Subject: Grüße\r\n\r\nBody ~~~ ??? >>>\r\n");
        Assert.Equal(raw, Base64Url.Decode(Base64Url.Encode(raw)));
        Assert.Equal(raw, Base64Url.Decode(Base64Url.Encode(raw).TrimEnd('=')));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("ab$d")]
    public void Rejects_text_that_is_not_base64(string text) =>
        Assert.Throws<FormatException>(() => Base64Url.Decode(text));
}
