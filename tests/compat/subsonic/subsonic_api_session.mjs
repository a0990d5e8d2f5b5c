// A listening session with subsonic-api (npm), run by test_live_client_subsonic_api.py with
// Node against a live server. Reads SERVER, USERNAME, PASSWORD, API_KEY and PLAYED_AT (ms)
// from the environment; prints one JSON object of what it saw, for the test to compare with
// the database. Any failed answer ends it with the answer on stderr and exit code 1.

import { createHash } from "node:crypto";
import SubsonicAPI from "subsonic-api";

const { SERVER, USERNAME, PASSWORD, API_KEY, PLAYED_AT } = process.env;

// Token auth with a fresh salt on every request (the library's default), GET.
const byToken = new SubsonicAPI({ url: SERVER, auth: { username: USERNAME, password: PASSWORD } });
// The same, as POST forms.
const byPost = new SubsonicAPI({
  url: SERVER,
  auth: { username: USERNAME, password: PASSWORD },
  post: true,
});
// The apiKeyAuthentication extension: the key alone.
const byKey = new SubsonicAPI({ url: SERVER, auth: { apiKey: API_KEY }, post: true });
const wrong = new SubsonicAPI({ url: SERVER, auth: { username: USERNAME, password: "not-it" } });

function ok(answer, what) {
  if (!answer || answer.status !== "ok") {
    process.stderr.write(`${what} failed: ${JSON.stringify(answer)}\n`);
    process.exit(1);
  }
  return answer;
}

async function bytes(response, what) {
  if (!response.ok) {
    process.stderr.write(`${what} answered HTTP ${response.status}\n`);
    process.exit(1);
  }
  return {
    contentType: response.headers.get("content-type"),
    body: Buffer.from(await response.arrayBuffer()),
  };
}

const seen = {};
ok(await byToken.ping(), "ping");
ok(await byPost.ping(), "ping (POST)");
ok(await byKey.ping(), "ping (apiKey)");
seen.wrongPassword = (await wrong.ping()).error?.code ?? null;
seen.tokenInfo = ok(await byKey.customJSON("tokenInfo", {}), "tokenInfo").tokenInfo?.username;

// Browse: artists -> artist -> album.
const artists = ok(await byToken.getArtists(), "getArtists").artists.index.flatMap((i) => i.artist);
const artist = ok(await byToken.getArtist({ id: artists[0].id }), "getArtist").artist;
const album = ok(await byPost.getAlbum({ id: artist.album[0].id }), "getAlbum").album;
const song = album.song[0];
seen.artistCount = artists.length;
seen.album = { id: album.id, songCount: album.songCount, songs: album.song.map((s) => s.id) };
seen.song = { id: song.id, title: song.title };

// Search: a word of the title, then the whole library with an empty query.
const word = song.title.split(" ")[0];
const found = ok(await byPost.search3({ query: word, songCount: 50 }), "search3").searchResult3;
seen.searchFound = (found.song ?? []).map((s) => s.id);
const all = ok(
  await byToken.search3({ query: "", songCount: 500, albumCount: 0, artistCount: 0 }),
  "search3 (everything)",
).searchResult3;
seen.everything = all.song.map((s) => s.id);

// Media: the original bytes, and a cover.
const stream = await bytes(await byToken.stream({ id: song.id }), "stream");
seen.streamSha256 = createHash("sha256").update(stream.body).digest("hex");
const cover = await bytes(await byPost.getCoverArt({ id: album.id, size: 128 }), "getCoverArt");
seen.cover = { contentType: cover.contentType, head: cover.body.subarray(0, 4).toString("hex") };

// Star the song, and read it back by the API key.
ok(await byPost.star({ id: song.id }), "star");
seen.starred2 = (ok(await byKey.getStarred2(), "getStarred2").starred2.song ?? []).map((s) => s.id);

// Star the album, rate it, and see both on it.
ok(await byPost.star({ albumId: album.id, artistId: artist.id }), "star (album, artist)");
ok(await byToken.setRating({ id: album.id, rating: 3 }), "setRating");
const starred = ok(await byKey.getStarred2(), "getStarred2").starred2;
seen.starredAlbums = (starred.album ?? []).map((a) => a.id);
seen.starredArtists = (starred.artist ?? []).map((a) => a.id);
const rated = ok(await byToken.getAlbum({ id: album.id }), "getAlbum (rated)").album;
seen.albumAnnotations = { rating: rated.userRating, starred: rated.starred instanceof Date };

// Scrobble at the given time.
ok(await byPost.scrobble({ id: song.id, time: Number(PLAYED_AT), submission: true }), "scrobble");

// Create a playlist, then rename it, add one song and remove the first.
const three = seen.everything.slice(0, 3);
const created = ok(
  await byPost.createPlaylist({ name: "Sunday morning", songId: three }),
  "createPlaylist",
).playlist;
ok(
  await byPost.updatePlaylist({
    playlistId: created.id,
    name: "Sunday afternoon",
    songIdToAdd: [seen.everything[3]],
    songIndexToRemove: [0],
  }),
  "updatePlaylist",
);
const edited = ok(await byToken.getPlaylist({ id: created.id }), "getPlaylist").playlist;
seen.playlist = { id: created.id, created: (created.entry ?? []).map((e) => e.id), name: edited.name };
seen.playlist.songs = (edited.entry ?? []).map((e) => e.id);
const listed = ok(await byKey.getPlaylists(), "getPlaylists").playlists.playlist ?? [];
seen.playlistListed = listed.some((p) => p.id === created.id);

process.stdout.write(JSON.stringify(seen));
