/**
 * The emoji the composer's picker offers (issue 12): a curated set of common emoji, grouped in
 * categories, each with its short English name (the Unicode CLDR short name, lower case except
 * proper names) for search and for screen readers. Kept in the page, so the picker fetches nothing.
 * Only emoji from Unicode 12 or older, without joiner sequences or flags, so that every current
 * system font draws each one as a single glyph.
 */

/** One emoji: `char` is what goes into the text (with its variation selector where it needs one). */
export interface Emoji {
  readonly char: string;
  readonly name: string;
}

/** A category of the picker: its heading, the emoji on its tab, and its emoji in display order. */
export interface EmojiCategory {
  readonly name: string;
  readonly icon: string;
  readonly emoji: readonly Emoji[];
}

const category = (name: string, icon: string, list: ReadonlyArray<readonly [string, string]>): EmojiCategory => ({
  name,
  icon,
  emoji: list.map(([char, emojiName]) => ({ char, name: emojiName })),
});

/** Every category, in the order the picker shows them. */
export const EMOJI_CATEGORIES: readonly EmojiCategory[] = [
  category('Smileys', '😀', [
    ['😀', 'grinning face'], ['😃', 'grinning face with big eyes'], ['😄', 'grinning face with smiling eyes'], ['😁', 'beaming face with smiling eyes'],
    ['😆', 'grinning squinting face'], ['😅', 'grinning face with sweat'], ['🤣', 'rolling on the floor laughing'], ['😂', 'face with tears of joy'],
    ['🙂', 'slightly smiling face'], ['🙃', 'upside-down face'], ['😉', 'winking face'], ['😊', 'smiling face with smiling eyes'],
    ['😇', 'smiling face with halo'], ['🥰', 'smiling face with hearts'], ['😍', 'smiling face with heart-eyes'], ['🤩', 'star-struck'],
    ['😘', 'face blowing a kiss'], ['😋', 'face savoring food'], ['😛', 'face with tongue'], ['😜', 'winking face with tongue'],
    ['🤪', 'zany face'], ['🤑', 'money-mouth face'], ['🤗', 'hugging face'], ['🤭', 'face with hand over mouth'],
    ['🤫', 'shushing face'], ['🤔', 'thinking face'], ['🤨', 'face with raised eyebrow'], ['😐', 'neutral face'],
    ['😶', 'face without mouth'], ['😏', 'smirking face'], ['😒', 'unamused face'], ['🙄', 'face with rolling eyes'],
    ['😬', 'grimacing face'], ['😌', 'relieved face'], ['😔', 'pensive face'], ['😴', 'sleeping face'],
    ['😷', 'face with medical mask'], ['🤢', 'nauseated face'], ['🤮', 'face vomiting'], ['🥵', 'hot face'],
    ['🥶', 'cold face'], ['🥴', 'woozy face'], ['😵', 'dizzy face'], ['🤯', 'exploding head'],
    ['🤠', 'cowboy hat face'], ['🥳', 'partying face'], ['😎', 'smiling face with sunglasses'], ['🤓', 'nerd face'],
    ['🧐', 'face with monocle'], ['😕', 'confused face'], ['😟', 'worried face'], ['🙁', 'slightly frowning face'],
    ['😮', 'face with open mouth'], ['😲', 'astonished face'], ['😳', 'flushed face'], ['🥺', 'pleading face'],
    ['😨', 'fearful face'], ['😰', 'anxious face with sweat'], ['😥', 'sad but relieved face'], ['😢', 'crying face'],
    ['😭', 'loudly crying face'], ['😱', 'face screaming in fear'], ['😞', 'disappointed face'], ['😩', 'weary face'],
    ['🥱', 'yawning face'], ['😤', 'face with steam from nose'], ['😡', 'enraged face'], ['😠', 'angry face'],
    ['🤬', 'face with symbols on mouth'], ['😈', 'smiling face with horns'], ['💀', 'skull'], ['💩', 'pile of poo'],
    ['🤡', 'clown face'], ['👻', 'ghost'], ['👽', 'alien'], ['🤖', 'robot'],
    ['🙈', 'see-no-evil monkey'],
  ]),
  category('People', '👋', [
    ['👋', 'waving hand'], ['✋', 'raised hand'], ['🖖', 'vulcan salute'], ['👌', 'OK hand'],
    ['✌️', 'victory hand'], ['🤞', 'crossed fingers'], ['🤘', 'sign of the horns'], ['👈', 'backhand index pointing left'],
    ['👉', 'backhand index pointing right'], ['👆', 'backhand index pointing up'], ['👇', 'backhand index pointing down'], ['☝️', 'index pointing up'],
    ['👍', 'thumbs up'], ['👎', 'thumbs down'], ['✊', 'raised fist'], ['👏', 'clapping hands'],
    ['🙌', 'raising hands'], ['🤲', 'palms up together'], ['🤝', 'handshake'], ['🙏', 'folded hands'],
    ['✍️', 'writing hand'], ['💪', 'flexed biceps'], ['🧠', 'brain'], ['👀', 'eyes'],
    ['👶', 'baby'], ['🧑', 'person'], ['👩', 'woman'], ['👨', 'man'],
    ['🙋', 'person raising hand'], ['🤷', 'person shrugging'], ['🤦', 'person facepalming'], ['🙅', 'person gesturing no'],
    ['🙆', 'person gesturing OK'], ['🏃', 'person running'], ['🚶', 'person walking'], ['💃', 'woman dancing'],
    ['🕺', 'man dancing'], ['🧘', 'person in lotus position'],
  ]),
  category('Nature', '🐶', [
    ['🐶', 'dog face'], ['🐱', 'cat face'], ['🐰', 'rabbit face'], ['🦊', 'fox'],
    ['🐻', 'bear'], ['🐼', 'panda'], ['🐯', 'tiger face'], ['🦁', 'lion'],
    ['🐷', 'pig face'], ['🐸', 'frog'], ['🐵', 'monkey face'], ['🐔', 'chicken'],
    ['🐧', 'penguin'], ['🐦', 'bird'], ['🦆', 'duck'], ['🦉', 'owl'],
    ['🐺', 'wolf'], ['🦄', 'unicorn'], ['🐝', 'honeybee'], ['🐛', 'bug'],
    ['🦋', 'butterfly'], ['🐌', 'snail'], ['🐢', 'turtle'], ['🐍', 'snake'],
    ['🐠', 'tropical fish'], ['🐬', 'dolphin'], ['🦈', 'shark'], ['🐘', 'elephant'],
    ['🌵', 'cactus'], ['🌲', 'evergreen tree'], ['🌳', 'deciduous tree'], ['🌴', 'palm tree'],
    ['🌱', 'seedling'], ['🍀', 'four leaf clover'], ['🍂', 'fallen leaf'], ['🌷', 'tulip'],
    ['🌹', 'rose'], ['🌻', 'sunflower'], ['🌸', 'cherry blossom'], ['🍄', 'mushroom'],
    ['🌙', 'crescent moon'], ['⭐', 'star'], ['🌟', 'glowing star'], ['✨', 'sparkles'],
    ['⚡', 'high voltage'], ['🔥', 'fire'], ['🌈', 'rainbow'], ['☀️', 'sun'],
    ['⛅', 'sun behind cloud'], ['☁️', 'cloud'], ['🌧️', 'cloud with rain'], ['❄️', 'snowflake'],
    ['💧', 'droplet'], ['🌊', 'water wave'],
  ]),
  category('Food & drink', '🍕', [
    ['🍏', 'green apple'], ['🍎', 'red apple'], ['🍋', 'lemon'], ['🍌', 'banana'],
    ['🍉', 'watermelon'], ['🍇', 'grapes'], ['🍓', 'strawberry'], ['🍑', 'peach'],
    ['🍍', 'pineapple'], ['🍅', 'tomato'], ['🥑', 'avocado'], ['🥦', 'broccoli'],
    ['🥕', 'carrot'], ['🌶️', 'hot pepper'], ['🥐', 'croissant'], ['🍞', 'bread'],
    ['🥚', 'egg'], ['🥞', 'pancakes'], ['🥓', 'bacon'], ['🍔', 'hamburger'],
    ['🍟', 'french fries'], ['🍕', 'pizza'], ['🌭', 'hot dog'], ['🥪', 'sandwich'],
    ['🌮', 'taco'], ['🌯', 'burrito'], ['🥗', 'green salad'], ['🍝', 'spaghetti'],
    ['🍜', 'steaming bowl'], ['🍣', 'sushi'], ['🍦', 'soft ice cream'], ['🍩', 'doughnut'],
    ['🍪', 'cookie'], ['🎂', 'birthday cake'], ['🧁', 'cupcake'], ['🍫', 'chocolate bar'],
    ['🍿', 'popcorn'], ['☕', 'hot beverage'], ['🥤', 'cup with straw'], ['🍺', 'beer mug'],
    ['🍷', 'wine glass'], ['🥂', 'clinking glasses'], ['🍸', 'cocktail glass'], ['🍹', 'tropical drink'],
  ]),
  category('Activities', '⚽', [
    ['🎉', 'party popper'], ['🎊', 'confetti ball'], ['🎈', 'balloon'], ['🎁', 'wrapped gift'],
    ['🎀', 'ribbon'], ['🎄', 'Christmas tree'], ['🎃', 'jack-o-lantern'], ['🎆', 'fireworks'],
    ['🏆', 'trophy'], ['🥇', '1st place medal'], ['🥈', '2nd place medal'], ['🥉', '3rd place medal'],
    ['🏅', 'sports medal'], ['⚽', 'soccer ball'], ['🏀', 'basketball'], ['🏈', 'american football'],
    ['⚾', 'baseball'], ['🎾', 'tennis'], ['🏐', 'volleyball'], ['🏓', 'ping pong'],
    ['🎯', 'direct hit'], ['🎮', 'video game'], ['🎲', 'game die'], ['🧩', 'puzzle piece'],
    ['♟️', 'chess pawn'], ['🎨', 'artist palette'], ['🎭', 'performing arts'], ['🎬', 'clapper board'],
    ['🎤', 'microphone'], ['🎧', 'headphone'], ['🎵', 'musical note'], ['🎶', 'musical notes'],
    ['🎸', 'guitar'], ['🎹', 'musical keyboard'], ['🥁', 'drum'], ['🎻', 'violin'],
  ]),
  category('Travel & places', '✈️', [
    ['🚗', 'automobile'], ['🚕', 'taxi'], ['🚌', 'bus'], ['🚑', 'ambulance'],
    ['🚓', 'police car'], ['🚲', 'bicycle'], ['🏍️', 'motorcycle'], ['🚂', 'locomotive'],
    ['🚆', 'train'], ['✈️', 'airplane'], ['🚀', 'rocket'], ['🚁', 'helicopter'],
    ['⛵', 'sailboat'], ['🚢', 'ship'], ['⚓', 'anchor'], ['🗺️', 'world map'],
    ['🧭', 'compass'], ['🏖️', 'beach with umbrella'], ['🏠', 'house'], ['🏡', 'house with garden'],
    ['🏢', 'office building'], ['🏫', 'school'], ['🏰', 'castle'], ['🗽', 'Statue of Liberty'],
    ['⛺', 'tent'], ['🌅', 'sunrise'], ['🚧', 'construction'],
  ]),
  category('Objects', '💡', [
    ['⌚', 'watch'], ['📱', 'mobile phone'], ['💻', 'laptop'], ['⌨️', 'keyboard'],
    ['🖥️', 'desktop computer'], ['📷', 'camera'], ['🎥', 'movie camera'], ['📞', 'telephone receiver'],
    ['🔋', 'battery'], ['💡', 'light bulb'], ['💰', 'money bag'], ['💳', 'credit card'],
    ['💎', 'gem stone'], ['🔧', 'wrench'], ['🔨', 'hammer'], ['🛠️', 'hammer and wrench'],
    ['⚙️', 'gear'], ['💊', 'pill'], ['🔑', 'key'], ['🔒', 'locked'],
    ['🚪', 'door'], ['🛒', 'shopping cart'], ['📦', 'package'], ['✉️', 'envelope'],
    ['📝', 'memo'], ['✏️', 'pencil'], ['📎', 'paperclip'], ['📌', 'pushpin'],
    ['✂️', 'scissors'], ['📁', 'file folder'], ['📅', 'calendar'], ['📈', 'chart increasing'],
    ['📊', 'bar chart'], ['📋', 'clipboard'], ['📚', 'books'], ['📖', 'open book'],
    ['🔗', 'link'], ['🔍', 'magnifying glass tilted left'], ['⏰', 'alarm clock'], ['⏳', 'hourglass not done'],
    ['🔔', 'bell'], ['📣', 'megaphone'],
  ]),
  category('Symbols', '❤️', [
    ['❤️', 'red heart'], ['🧡', 'orange heart'], ['💛', 'yellow heart'], ['💚', 'green heart'],
    ['💙', 'blue heart'], ['💜', 'purple heart'], ['🖤', 'black heart'], ['🤍', 'white heart'],
    ['💔', 'broken heart'], ['💕', 'two hearts'], ['💖', 'sparkling heart'], ['💯', 'hundred points'],
    ['💥', 'collision'], ['💫', 'dizzy'], ['💬', 'speech balloon'], ['💭', 'thought balloon'],
    ['💤', 'zzz'], ['✅', 'check mark button'], ['✔️', 'check mark'], ['❌', 'cross mark'],
    ['➕', 'plus'], ['➖', 'minus'], ['❓', 'red question mark'], ['❗', 'red exclamation mark'],
    ['⚠️', 'warning'], ['🚫', 'prohibited'], ['⛔', 'no entry'], ['🔴', 'red circle'],
    ['🟡', 'yellow circle'], ['🟢', 'green circle'], ['🔵', 'blue circle'], ['⬆️', 'up arrow'],
    ['⬇️', 'down arrow'], ['⬅️', 'left arrow'], ['➡️', 'right arrow'], ['🔄', 'counterclockwise arrows button'],
    ['▶️', 'play button'], ['🆕', 'NEW button'], ['🆘', 'SOS button'], ['ℹ️', 'information'],
    ['♻️', 'recycling symbol'], ['🏁', 'chequered flag'], ['🚩', 'triangular flag'],
  ]),
];
